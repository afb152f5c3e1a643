-- Where a login started from the web app sends the person back after the
-- platform's callback (issue 19, docs/api.md#connecting-accounts): a local
-- path such as /w/ws_…/accounts, checked by the API; "" for a login
-- started by an API client, which gets the callback's own page or JSON.
ALTER TABLE oauth_states ADD COLUMN return_to text NOT NULL DEFAULT '';
