-- The portal's popular items and the ranking of its search now read how often each item was applied
-- for off the statistics summary (its sums, and the volatile cases by their own index), not off the
-- cases: the index migration 47 made for counting the cases is not used any more.
DROP INDEX cases_by_received;
