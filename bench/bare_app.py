"""The "floor" app for benchmarking Streamlit's round trip: one slider, one tiny plotly chart."""

import plotly.graph_objects as go
import streamlit as st

n = st.slider("n", min_value=0, max_value=100, value=5)

fig = go.Figure(go.Scatter(x=[0, 1], y=[0, n], mode="lines"))
fig.update_layout(title=f"n = {n}", height=240, margin=dict(l=20, r=20, t=40, b=20))
st.plotly_chart(fig)
