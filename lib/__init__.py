"""ConvScope's pure computation library: no Streamlit here, only Python and numpy."""
