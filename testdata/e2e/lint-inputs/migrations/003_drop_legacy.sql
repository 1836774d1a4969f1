-- Retire the tables the old login flow used.
-- gatekeeper:ignore drop-table reason: unused since v2.3, backed up in ticket OPS-112
DROP TABLE legacy_tokens;

DROP TABLE legacy_sessions, legacy_devices;
