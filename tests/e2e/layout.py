"""Geometry checks for a rendered plotly figure, measured in the browser.

Why: a figure whose numbers are right is still useless to a class when its legend hides
the data, its subtitle is cut at the edge or its tick labels are 11 px. These checks read
what Chromium actually drew: every SVG ``<text>`` of the figure (title, subtitle, axis
titles, tick labels, legend entries, annotations, play buttons) through
``getBoundingClientRect`` and its computed ``font-size``; 3D scenes (WebGL, no DOM) are
measured by projecting every drawn point and every text label of the scene with the
scene's own camera (plotly's ``gl3d/project``, the same projection its 3D annotations use).

Checks (each violation is one dict ``{check, what, detail}``):

- ``font``: text smaller than :data:`MIN_PX` px; the figure title smaller than
  :data:`MIN_TITLE_PX` px.
- ``cut``: a text, legend, annotation box or shape reaching past the figure's edge.
- ``overlap``: two texts (or a note box and a text) overlapping.
- ``legend-over-data``: the legend box over a cartesian plot area, or over a drawn point
  of a 3D scene.
- ``outside``: a drawn 3D point or scene text outside its scene's area (cut by the canvas).

``CHECK_JS`` is one function ``(gd) => violations``; :func:`check_figure` runs it on the
``.js-plotly-plot`` div(s) of a Playwright page.
"""

from __future__ import annotations

MIN_PX = 12.0
MIN_TITLE_PX = 14.0
#: Boxes may touch or overlap by this many pixels (anti-aliasing, glyph side bearings).
TOLERANCE = 1.5

CHECK_JS = r"""
(gd, opts) => {
  const MIN_PX = opts.minPx, MIN_TITLE = opts.minTitlePx, TOL = opts.tol;
  const out = [];
  const F = gd.getBoundingClientRect();
  const frame = {l: F.left, t: F.top, r: F.right, b: F.bottom};
  const fl = gd._fullLayout;
  const add = (check, what, detail) => out.push({check, what: String(what).slice(0, 80), detail});
  const rect = r => ({l: r.left, t: r.top, r: r.right, b: r.bottom});
  const inter = (a, b) => Math.min(a.r, b.r) - Math.max(a.l, b.l) > TOL &&
                          Math.min(a.b, b.b) - Math.max(a.t, b.t) > TOL;
  const inside = (a, f) => a.l >= f.l - TOL && a.r <= f.r + TOL && a.t >= f.t - TOL && a.b <= f.b + TOL;
  const fmt = a => `[${a.l.toFixed(0)},${a.t.toFixed(0)}..${a.r.toFixed(0)},${a.b.toFixed(0)}]`;
  const visible = el => {
    for (let e = el; e && e !== gd; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
    }
    return true;
  };
  // ---- SVG texts -------------------------------------------------------------
  const texts = [];
  for (const t of gd.querySelectorAll('svg text')) {
    if (t.closest('.hoverlayer') || t.closest('.modebar')) continue;
    const s = (t.textContent || '').trim();
    if (!s) continue;
    const r = t.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || !visible(t)) continue;
    const cs = getComputedStyle(t);  // transparent text (hidden slider step labels) is not read
    if (cs.fill === 'rgba(0, 0, 0, 0)' || cs.fill === 'transparent' || parseFloat(cs.fillOpacity) === 0) continue;
    let kind = 'text';
    if (t.closest('.legend')) kind = 'legend';
    else if (t.closest('.annotation')) kind = 'annotation';
    else if (t.classList.contains('gtitle')) kind = 'title';
    else if (t.classList.contains('gtitle-subtitle') || t.closest('.g-gtitle-subtitle')) kind = 'subtitle';
    else if (/(^|\s)[xyz]?\d*title/.test(t.getAttribute('class') || '') || t.closest('.g-xtitle, .g-ytitle, [class*="g-x"][class*="title"], [class*="g-y"][class*="title"]')) kind = 'axis title';
    else if ([t, t.parentElement].some(e => e && /(^|\s)[xy]\d*tick(\s|$)/.test(e.getAttribute('class') || ''))) kind = 'tick';
    else if (t.closest('.updatemenu-container, .slider-container')) kind = 'control';
    let px = parseFloat(getComputedStyle(t).fontSize);
    for (const ts of t.querySelectorAll('tspan')) {
      if ((ts.textContent || '').trim() && ts.style.fontSize) px = Math.min(px, parseFloat(ts.style.fontSize));
    }
    texts.push({s, kind, px, box: rect(r), el: t});
  }
  for (const t of texts) {
    if (t.kind === 'title' && t.px < MIN_TITLE - 0.01) add('font', `${t.kind} "${t.s}"`, `${t.px}px < ${MIN_TITLE}px`);
    else if (t.px < MIN_PX - 0.01) add('font', `${t.kind} "${t.s}"`, `${t.px}px < ${MIN_PX}px`);
    if (!inside(t.box, frame)) add('cut', `${t.kind} "${t.s}"`, `${fmt(t.box)} outside frame ${fmt(frame)}`);
  }
  // Note boxes (annotation background) count as one box each.
  const notes = [...gd.querySelectorAll('.annotation')].filter(visible).map(a => {
    const bg = a.querySelector('.annotation-text-g rect.bg') || a;
    const r = bg.getBoundingClientRect();
    return {s: (a.textContent || '').trim(), box: rect(r), el: a};
  }).filter(n => n.s && n.box.r > n.box.l);
  for (const n of notes) if (!inside(n.box, frame)) add('cut', `note "${n.s}"`, `${fmt(n.box)} outside frame`);
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i], b = texts[j];
    if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
    // the same words drawn twice on the same spot (a highlight over its cell) read as one
    if (a.s === b.s && Math.abs(a.box.l - b.box.l) < 1 && Math.abs(a.box.t - b.box.t) < 1) continue;
    if (inter(a.box, b.box)) add('overlap', `${a.kind} "${a.s}" / ${b.kind} "${b.s}"`, `${fmt(a.box)} ${fmt(b.box)}`);
  }
  for (const n of notes) for (const t of texts) {
    if (n.el.contains(t.el)) continue;
    if (inter(n.box, t.box)) add('overlap', `note "${n.s}" / ${t.kind} "${t.s}"`, `${fmt(n.box)} ${fmt(t.box)}`);
  }
  for (let i = 0; i < notes.length; i++) for (let j = i + 1; j < notes.length; j++) {
    if (inter(notes[i].box, notes[j].box)) add('overlap', `note "${notes[i].s}" / note "${notes[j].s}"`, '');
  }
  // ---- legend and shapes -------------------------------------------------------
  const legendEl = gd.querySelector('.legend');
  let legend = null;
  if (legendEl && visible(legendEl) && legendEl.getBoundingClientRect().width > 0) {
    const bg = legendEl.querySelector('rect.bg') || legendEl;
    legend = rect(bg.getBoundingClientRect());
    if (!inside(legend, frame)) add('cut', 'legend box', `${fmt(legend)} outside frame ${fmt(frame)}`);
  }
  for (const sh of gd.querySelectorAll('.shapelayer path, .layer-above .imagelayer image')) {
    const r = rect(sh.getBoundingClientRect());
    if (r.r > r.l && !inside(r, frame)) add('cut', 'shape', fmt(r));
  }
  const sz = fl._size;
  // ---- cartesian plot areas ------------------------------------------------------
  const areas = [];
  for (const id of Object.keys(fl._plots || {})) {
    const p = fl._plots[id];
    if (!p.xaxis || !p.yaxis) continue;
    const a = {l: F.left + p.xaxis._offset, r: F.left + p.xaxis._offset + p.xaxis._length,
               t: F.top + p.yaxis._offset, b: F.top + p.yaxis._offset + p.yaxis._length};
    if (p.xaxis.visible === false && p.yaxis.visible === false &&
        !gd._fullData.some(tr => tr.visible !== false && (tr.xaxis || 'x') === p.xaxis._id && (tr.yaxis || 'y') === p.yaxis._id)) continue;
    areas.push({id, box: a});
    if (!inside(a, frame)) add('outside', `plot area ${id}`, fmt(a));
    if (legend && inter(legend, a)) add('legend-over-data', `legend over plot area ${id}`, `${fmt(legend)} ${fmt(a)}`);
  }
  // ---- 3D scenes --------------------------------------------------------------
  const proj = (m, v) => { const o = [0, 0, 0, 0];
    for (let r = 0; r < 4; ++r) for (let i = 0; i < 4; ++i) o[i] += m[4 * r + i] * v[r]; return o; };
  for (const key of Object.keys(fl)) {
    if (!/^scene\d*$/.test(key) || !fl[key]._scene) continue;
    const L = fl[key], sc = L._scene, gl = sc.glplot;
    if (!gl || !gl.cameraParams) { add('outside', key, 'no WebGL scene drawn'); continue; }
    const cp = gl.cameraParams, ds = sc.dataScale || [1, 1, 1];
    const dom = L.domain;
    const vp = {l: F.left + sz.l + dom.x[0] * sz.w, r: F.left + sz.l + dom.x[1] * sz.w,
                t: F.top + sz.t + (1 - dom.y[1]) * sz.h, b: F.top + sz.t + (1 - dom.y[0]) * sz.h};
    const W = vp.r - vp.l, H = vp.b - vp.t;
    const toPx = (x, y, z) => {
      const p = proj(cp.projection, proj(cp.view, proj(cp.model, [x * ds[0], y * ds[1], z * ds[2], 1])));
      return [vp.l + 0.5 * (1 + p[0] / p[3]) * W, vp.t + 0.5 * (1 - p[1] / p[3]) * H];
    };
    const axes = ['xaxis', 'yaxis', 'zaxis'].map(a => L[a]);
    let outsideCount = 0, firstOut = null, underLegend = 0, firstUnder = null;
    const sceneTexts = [];
    for (const tr of gd._fullData) {
      if (tr.scene !== key || tr.visible !== true) continue;
      const X = tr.x, Y = tr.y, Z = tr.z;
      if (!X || !X.length) continue;
      const n = X.length;
      const hasText = tr.mode && tr.mode.includes('text') && tr.text;
      const hasPts = tr.type === 'mesh3d' || (tr.mode && (tr.mode.includes('markers') || tr.mode.includes('lines')));
      for (let i = 0; i < n; i++) {
        const x = +X[i], y = +Y[i], z = +Z[i];
        if (!isFinite(x) || !isFinite(y) || !isFinite(z)) continue;
        const [px, py] = toPx(axes[0].d2l ? axes[0].d2l(x) : x, axes[1].d2l ? axes[1].d2l(y) : y, axes[2].d2l ? axes[2].d2l(z) : z);
        if (hasPts) {
          if (px < vp.l - TOL || px > vp.r + TOL || py < vp.t - TOL || py > vp.b + TOL ||
              px < frame.l || px > frame.r || py < frame.t || py > frame.b) {
            outsideCount++; if (!firstOut) firstOut = `${tr.name} (${x},${y},${z}) -> ${px.toFixed(0)},${py.toFixed(0)}`;
          }
          if (legend && px > legend.l && px < legend.r && py > legend.t && py < legend.b) {
            underLegend++; if (!firstUnder) firstUnder = `${tr.name} at ${px.toFixed(0)},${py.toFixed(0)}`;
          }
        }
        if (hasText) {
          const s = String(Array.isArray(tr.text) ? tr.text[i] : tr.text || '');
          if (!s.trim()) continue;
          const size = (tr.textfont && (Array.isArray(tr.textfont.size) ? tr.textfont.size[i] : tr.textfont.size)) || 12;
          const w = s.replace(/<[^>]*>/g, '').length * size * 0.55, h = size * 1.2;
          const pos = String(Array.isArray(tr.textposition) ? tr.textposition[i] : tr.textposition || 'middle center');
          let l = px - w / 2, t = py - h / 2;
          if (pos.includes('right')) l = px; else if (pos.includes('left')) l = px - w;
          if (pos.includes('top')) t = py - h; else if (pos.includes('bottom')) t = py;
          const box = {l, t, r: l + w, b: t + h};
          sceneTexts.push({s, box, px: size});
        }
      }
    }
    if (outsideCount) add('outside', `${key}: ${outsideCount} drawn point(s) outside the scene`, firstOut);
    if (underLegend) add('legend-over-data', `${key}: legend over ${underLegend} drawn point(s)`, firstUnder);
    for (const t of sceneTexts) {
      if (t.px < MIN_PX - 0.01) add('font', `scene text "${t.s}"`, `${t.px}px < ${MIN_PX}px`);
      if (!inside(t.box, vp) || !inside(t.box, frame)) add('cut', `scene text "${t.s}"`, `${fmt(t.box)} outside scene ${fmt(vp)}`);
      for (const o of texts) if (inter(t.box, o.box)) add('overlap', `scene text "${t.s}" / ${o.kind} "${o.s}"`, `${fmt(t.box)} ${fmt(o.box)}`);
      for (const n of notes) if (inter(t.box, n.box)) add('overlap', `scene text "${t.s}" / note "${n.s}"`, '');
      if (legend && inter(t.box, legend)) add('overlap', `scene text "${t.s}" / legend`, '');
    }
    for (let i = 0; i < sceneTexts.length; i++) for (let j = i + 1; j < sceneTexts.length; j++) {
      if (inter(sceneTexts[i].box, sceneTexts[j].box)) add('overlap', `scene text "${sceneTexts[i].s}" / scene text "${sceneTexts[j].s}"`, `${fmt(sceneTexts[i].box)} ${fmt(sceneTexts[j].box)}`);
    }
  }
  return out;
}
"""

#: Runs CHECK_JS on every figure under ``root`` (a CSS selector), one list per figure. A
#: figure's id is the key of the nearest keyed Streamlit container (the harness keys each
#: chart's container ``case-<case id>@<width>``), else the chart's own key.
ALL_JS = """([sel, opts]) => [...document.querySelectorAll(sel + ' .js-plotly-plot')].map(
  gd => {
    const keyed = gd.closest('[class*="st-key-"]');
    const key = keyed ? [...keyed.classList].find(c => c.startsWith('st-key-')).slice(7) : '';
    return {id: key || gd.id || '(figure)', violations: (%s)(gd, opts)};
  })""" % CHECK_JS

OPTIONS = {"minPx": MIN_PX, "minTitlePx": MIN_TITLE_PX, "tol": TOLERANCE}


def check_figures(page, root: str = "body") -> list[dict]:
    """``[{id, violations}]`` for every rendered plotly figure under ``root``."""
    return page.evaluate(ALL_JS, [root, OPTIONS])


def describe(violations: list[dict], limit: int = 6) -> str:
    """A short, readable list of violations for an assertion message."""
    lines = [f"{v['check']}: {v['what']} {v.get('detail') or ''}".strip() for v in violations]
    more = len(lines) - limit
    return "\n".join(lines[:limit] + ([f"... and {more} more"] if more > 0 else []))
