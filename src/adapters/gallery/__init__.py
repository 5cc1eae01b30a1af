"""Gallery tables on SQLAlchemy Core (MySQL/MariaDB and SQLite)."""
