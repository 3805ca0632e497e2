"""ConvScope: see exactly what a convolution layer learns and computes."""

import streamlit as st

from pages._shared import ICON, freeze_startup_objects, keyboard_scrollers

st.set_page_config(page_title="ConvScope", page_icon=ICON["explorer"], layout="wide")
st.sidebar.caption("ConvScope — every number here is checked against real PyTorch and Keras layers.")
with st.sidebar:
    keyboard_scrollers()  # formulas / code wider than the screen: reachable by keyboard
st.navigation([
    st.Page("pages/explorer.py", title="Explorer", icon=ICON["explorer"], default=True),
    st.Page("pages/compare.py", title="Compare", icon=":material/balance:"),
    st.Page("pages/walkthrough.py", title="How many weights?", icon=":material/school:"),
    st.Page("pages/network.py", title="Network builder", icon=":material/stacks:"),
    st.Page("pages/quiz.py", title="Quiz", icon=":material/quiz:"),
    st.Page("pages/prove_it.py", title="Prove it", icon=":material/calculate:"),
    st.Page("pages/real_image.py", title="On a real image", icon=":material/image:"),
]).run()
freeze_startup_objects()  # once per process: see its docstring (issue 14)
