ALTER TABLE upchieve.cities
    ADD CONSTRAINT unique_city_name_state UNIQUE (name, us_state_code)
    -- migrate:down
    DROP CONSTRAINT IF EXISTS unique_city_name_state;
