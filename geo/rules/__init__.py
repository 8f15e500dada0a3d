"""Rules as data: documented TOML files with the defaults, loaded once."""
