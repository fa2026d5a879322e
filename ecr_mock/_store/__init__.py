"""Where state lives: blob bytes (in memory, or content-addressed files under a directory) and the saved state of
a served registry (SQLite). The backend holds the indexes; this layer holds the bytes and the files."""
