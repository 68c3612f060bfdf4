-- The streak in one lookup: each day with reviews records the first day of the run of
-- consecutive days it belongs to, so the dashboard reads the newest day's run_start
-- instead of walking back through every day of the streak.
ALTER TABLE review_days ADD COLUMN run_start TEXT;
CREATE INDEX review_days_run_start ON review_days (run_start);

-- Backfill: days in one run share day-number minus rank (gaps and islands).
UPDATE review_days SET run_start = runs.run_start
FROM (
    SELECT day, min(day) OVER (PARTITION BY island) AS run_start
    FROM (SELECT day, julianday(day) - row_number() OVER (ORDER BY day) AS island FROM review_days)
) AS runs
WHERE runs.day = review_days.day;

-- A new day continues the run of the day before it, if that day has reviews; and a day
-- filled in before an existing run (reviews recorded out of order) joins that run to its own.
CREATE TRIGGER review_days_run AFTER INSERT ON review_days
BEGIN
    UPDATE review_days
    SET run_start = ifnull((SELECT run_start FROM review_days WHERE day = date(NEW.day, '-1 day')), NEW.day)
    WHERE day = NEW.day;
    UPDATE review_days
    SET run_start = (SELECT run_start FROM review_days WHERE day = NEW.day)
    WHERE run_start = date(NEW.day, '+1 day');
END;
