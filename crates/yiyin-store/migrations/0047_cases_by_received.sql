-- How often each item of a jurisdiction was applied for in the year before today (the portal's
-- popular items and the ranking of its search): a range of this index, read without the rows.
CREATE INDEX cases_by_received ON cases (jurisdiction, received_on, item_code);
