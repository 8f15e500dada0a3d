"""Map layers built from query results: pure functions, no database access, no Streamlit."""
