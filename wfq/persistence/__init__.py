"""Storage: SQLAlchemy models, repositories and migrations. No business rules."""
