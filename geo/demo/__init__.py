"""The generated Lanzhou demo: area tree, centers, incidents, and their loading."""
