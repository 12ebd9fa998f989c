"""The store: the database engine and sessions, the typed models, the migrations and the SQL that reads them."""
