"""ConvScope: see exactly what a convolution layer learns and computes."""

import streamlit as st

from pages._shared import freeze_startup_objects, keyboard_scrollers

st.set_page_config(page_title="ConvScope", page_icon="🔍", layout="wide")
st.sidebar.caption("ConvScope — every number here is checked against real PyTorch and Keras layers.")
with st.sidebar:
    keyboard_scrollers()  # formulas / code wider than the screen: reachable by keyboard
st.navigation([
    st.Page("pages/explorer.py", title="Explorer", icon="🔍", default=True),
    st.Page("pages/compare.py", title="Compare", icon="⚖️"),
    st.Page("pages/walkthrough.py", title="How many weights?", icon="🎓"),
    st.Page("pages/network.py", title="Network builder", icon="🧱"),
    st.Page("pages/quiz.py", title="Quiz", icon="❓"),
    st.Page("pages/prove_it.py", title="Prove it", icon="🧮"),
    st.Page("pages/real_image.py", title="On a real image", icon="🖼️"),
]).run()
freeze_startup_objects()  # once per process: see its docstring (issue 14)
