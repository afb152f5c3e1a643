-- Placeholder on the orgs branch only: the webhooks branch owns migration
-- 0007 (issue 17), and migrations must run from 0001 without gaps. The
-- merge takes that branch's file in place of this one.
SELECT 1;
