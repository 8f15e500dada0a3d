"""Streamlit pages of the 民情地图 dashboard and their small shared widgets."""
