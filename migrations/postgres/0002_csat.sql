-- Customer satisfaction, asked after a ticket closes.
ALTER TABLE tickets ADD COLUMN csat_score BIGINT;
ALTER TABLE tickets ADD COLUMN csat_comment TEXT;
