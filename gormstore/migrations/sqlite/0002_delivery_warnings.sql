-- What the platform did differently from what was asked (TikTok kept the
-- post private, a draft went to the inbox): Result.Warnings, a JSON list
-- of strings written when the delivery is published.
ALTER TABLE deliveries ADD COLUMN warnings text NOT NULL DEFAULT '[]';
