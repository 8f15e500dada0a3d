// The dashboard's map element (dashboard/widgets/map_panel.py): deck.gl drawing the JSON of a
// pydeck Deck, the way Streamlit's own map element converts it, and a click on a pickable
// object sent to the server at once, as the trigger `pick` ({layer, object}).
//
// Streamlit's element waited for deck.gl's double-click window (0.33 s) and then drew every
// layer again for the selection before it sent the rerun (0.4-0.5 s of software WebGL on the
// project's machine: docs/benchmarks.md, issue 12). Here no selection is drawn and there is
// no double-click zoom; after a click the element takes no other until the page has handled
// it (the count of clicks handled comes back in its data), so a second quick press cannot
// undo or repeat the first.
//
// A layer whose data is a file (a URL: the edges the app serves as static files) has it
// fetched by the element as the map is mounted, and the map is drawn when every file is in
// (or after FILE_WAIT_MS, the late ones drawn as they come): deck.gl would fetch it only as it
// first drew the layer, then draw the whole map a second time when it came (a frame of 0.3 s
// in a software-rendering browser).
//
// Labels (the spec's TextLayers) are drawn as the page's own text over the map, placed at
// every frame the deck draws: deck.gl's TextLayer made a font atlas and compiled shaders of
// its own, 0.3-0.4 s of a map's first frame in a software-rendering browser. Each label's
// text is set as text (never markup).
//
// A map leaving the page (a switch to another page) leaves its deck, WebGL context and
// compiled shaders for the next map to take: a deck's first frame of each kind of layer costs
// 0.1-0.3 s of shader compiling in a software-rendering browser (0.9 s of the live map's
// 1.2 s), and a new context more.
import {Deck, MapView} from '@deck.gl/core';
import * as layers from '@deck.gl/layers';
import {HeatmapLayer} from '@deck.gl/aggregation-layers';
import {TerrainLayer} from '@deck.gl/geo-layers';
import {JSONConverter, JSONConfiguration} from '@deck.gl/json';

const converter = new JSONConverter({
  configuration: new JSONConfiguration({
    classes: {...layers, HeatmapLayer, TerrainLayer, MapView},
  }),
});

const ESCAPED = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};

function escaped(value) {
  return value === undefined || value === null
    ? ''
    : String(value).replace(/[&<>"']/g, (c) => ESCAPED[c]);
}

// pydeck's tooltip: an HTML (or text) template whose {field} are the picked object's fields
// (or its properties'), each escaped: a text from outside never becomes markup.
function tooltipOf(spec) {
  if (!spec) return null;
  return ({object}) => {
    if (!object) return null;
    const fields = {...(object.properties || {}), ...object};
    const fill = (template) => template.replace(/{([^{}]+)}/g, (_, key) => escaped(fields[key]));
    return spec.html
      ? {html: fill(spec.html), style: spec.style}
      : {text: (spec.text || '').replace(/{([^{}]+)}/g, (_, k) => fields[k] ?? ''), style: spec.style};
  };
}

// The picked object as deck.gl holds it (a GeoJSON feature keeps its `properties`), without
// its outline: the server reads the fields only.
function picked(info) {
  const {geometry, ...fields} = info.object;
  return {layer: info.layer.id, object: fields};
}

const FILE_WAIT_MS = 1000; // a file slower than this: the map is drawn without it first

// The files' data by URL, kept for the page's life (the last few: an area's edges are visited
// again as a user drills in and out), so a map of the same files is drawn at once.
const KEPT_FILES = 12;
const files = new Map();

function file(url) {
  let kept = files.get(url);
  if (kept) {
    files.delete(url); // the most recently used last
  } else {
    kept = {value: undefined};
    kept.promise = fetch(new URL(url, document.baseURI))
      .then((response) => {
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return response.json();
      })
      .then((value) => (kept.value = value));
    kept.promise.catch(() => files.delete(url));
  }
  files.set(url, kept);
  if (files.size > KEPT_FILES) files.delete(files.keys().next().value);
  return kept;
}

// The layers with their files' data in place of the URLs (`raw`: the spec's layers by id; the
// converted layer hides its URL): at once when every file is in, else a promise of them (a
// file still coming after FILE_WAIT_MS is given to deck.gl as its promise).
function withFiles(layers, raw) {
  const urls = new Map(
    [...raw].filter(([, l]) => typeof l.data === 'string').map(([id, l]) => [id, l.data]),
  );
  const kept = new Map([...urls.values()].map((url) => [url, file(url)]));
  const filled = () =>
    layers.map((layer) => {
      const got = kept.get(urls.get(layer.id));
      if (!got) return layer;
      return layer.clone({data: got.value !== undefined ? got.value : got.promise});
    });
  if ([...kept.values()].every((got) => got.value !== undefined)) return filled();
  const waited = new Promise((resolve) => setTimeout(resolve, FILE_WAIT_MS));
  const all = Promise.allSettled([...kept.values()].map((got) => got.promise));
  return Promise.race([all, waited]).then(filled);
}

const rgba = (c) => (Array.isArray(c) ? `rgba(${c[0]},${c[1]},${c[2]},${(c[3] ?? 255) / 255})` : c);
const valueOf = (accessor, d, index, data) =>
  typeof accessor === 'function' ? accessor(d, {index, data, target: []}) : accessor;

// The spec's text layers (`raw`: the spec's layers by id) as labels: [{text, position, style}]
// (accessors evaluated per label), and the other layers.
function labelsOf(raw, converted) {
  const isText = (layer) => raw.get(layer.id)?.['@@type'] === 'TextLayer';
  const labels = [];
  for (const layer of converted.layers.filter(isText)) {
    const data = raw.get(layer.id).data;
    if (!Array.isArray(data)) continue;
    const p = layer.props;
    const halo = rgba(p.outlineColor);
    const w = p.outlineWidth ? 1 : 0;
    data.forEach((d, i) => {
      labels.push({
        text: String(valueOf(p.getText, d, i, data) ?? ''),
        position: valueOf(p.getPosition, d, i, data),
        style: {
          fontSize: `${valueOf(p.getSize, d, i, data)}px`,
          color: rgba(valueOf(p.getColor, d, i, data)),
          fontFamily: p.fontFamily,
          fontWeight: String(p.fontWeight),
          textShadow: w
            ? `-${w}px -${w}px 0 ${halo},${w}px -${w}px 0 ${halo},-${w}px ${w}px 0 ${halo},` +
              `${w}px ${w}px 0 ${halo},0 0 2px ${halo}`
            : 'none',
        },
      });
    });
  }
  return {labels, layers: converted.layers.filter((layer) => !isText(layer))};
}

// The labels' box over the canvas, and each label in it (made anew when they change: the live
// map's refresh mostly sends the same).
function showLabels(made, labels) {
  const same = JSON.stringify(labels);
  if (made.labelled === same) return;
  made.labelled = same;
  if (!made.labels) {
    made.labels = document.createElement('div');
    Object.assign(made.labels.style, {
      position: 'absolute', inset: '0', overflow: 'hidden', pointerEvents: 'none', zIndex: '1',
    });
    made.stage.appendChild(made.labels);
  }
  made.shown = labels.map((label) => {
    const el = document.createElement('div');
    el.textContent = label.text;
    Object.assign(el.style, label.style, {
      position: 'absolute', left: '0', top: '0', whiteSpace: 'nowrap', lineHeight: '1',
      visibility: 'hidden',
    });
    return {el, position: label.position};
  });
  made.labels.replaceChildren(...made.shown.map((label) => label.el));
}

// Each label at its place in the view the deck has just drawn.
function placeLabels(made) {
  const viewport = made.deck.getViewports()[0];
  if (!viewport || !made.shown) return;
  for (const {el, position} of made.shown) {
    const [x, y] = viewport.project(position);
    el.style.transform = `translate(${x}px, ${y}px) translate(-50%, -50%)`;
    el.style.visibility = 'visible';
  }
}

// A deck left by a map gone from the page and not yet taken, on its stage (the canvas's
// parent, which holds deck.gl's tooltip too) in a holder out of sight.
let spare = null;
// A view no map opens at: a deck taken from the holder always moves to its new map's view.
const PARKED = {longitude: 0, latitude: 0, zoom: 1};

function holder() {
  let box = document.getElementById('minqing-map-spare');
  if (!box) {
    box = document.createElement('div');
    box.id = 'minqing-map-spare';
    box.setAttribute('aria-hidden', 'true');
    Object.assign(box.style, {
      position: 'fixed', left: '-10000px', top: '0', width: '64px', height: '64px',
      overflow: 'hidden', pointerEvents: 'none',
    });
    document.body.appendChild(box);
  }
  return box;
}

function newDeck(converted) {
  const stage = document.createElement('div');
  Object.assign(stage.style, {position: 'relative', width: '100%', height: '100%'});
  const canvas = document.createElement('canvas');
  canvas.style.width = '100%';
  canvas.style.height = '100%';
  stage.appendChild(canvas);
  holder().appendChild(stage);
  const deck = new Deck({
    canvas,
    layers: [],
    views: converted.views,
    initialViewState: converted.initialViewState,
    controller: {doubleClickZoom: false},
  });
  return {deck, stage};
}

function park(made) {
  made.deck.setProps({layers: [], initialViewState: PARKED, onClick: null, getTooltip: null});
  showLabels(made, []);
  holder().appendChild(made.stage);
  spare = made;
}

export function mount(component) {
  const {parentElement, data, setTriggerValue} = component;
  const state = parentElement.__minqingMap || (parentElement.__minqingMap = {});
  let root = state.root;
  if (!root) {
    root = document.createElement('div');
    root.className = 'minqing-map';
    root.style.position = 'relative';
    root.style.width = '100%';
    parentElement.appendChild(root);
    state.root = root;
  }
  root.style.height = `${data.height}px`;
  const spec = JSON.parse(data.spec);
  const converted = converter.convert(spec);
  state.sent = false; // a new map, or the page has handled the last click: take the next
  const props = {
    views: converted.views,
    controller: {doubleClickZoom: false},
    getTooltip: tooltipOf(data.tooltip),
    onClick: (info) => {
      if (state.sent || !info.object || !info.layer) return;
      state.sent = true;
      setTriggerValue('pick', picked(info));
    },
    getCursor: ({isDragging, isHovering}) =>
      isDragging ? 'grabbing' : isHovering ? 'pointer' : 'grab',
  };
  // One deck (one WebGL context: seconds to make in a software-rendering browser) for as long
  // as the element stays, the spare one if there is one; a new initial view moves it there,
  // the same one (deep-equal) leaves the user's pan and zoom, as Streamlit's element does
  // under an unchanged key.
  if (!state.made) {
    state.made = spare || newDeck(converted); // made before its files are in: ready by then
    spare = null;
    root.appendChild(state.made.stage);
    root.dataset.made = String(Number(root.dataset.made || 0) + 1); // decks this map has had
  }
  const raw = new Map((spec.layers || []).map((l) => [l.id, l]));
  const {labels, layers: drawn} = labelsOf(raw, converted);
  const draw = (layers) => {
    const made = state.made;
    showLabels(made, labels);
    made.deck.setProps({
      ...props,
      layers,
      initialViewState: converted.initialViewState,
      onAfterRender: () => placeLabels(made),
    });
  };
  const layers = withFiles(drawn, raw);
  const mounted = (state.mounted = (state.mounted || 0) + 1);
  if (Array.isArray(layers)) {
    draw(layers);
  } else {
    // the map before this one stays until this one's files are in; a later one wins
    layers.then((ready) => state.made && state.mounted === mounted && draw(ready));
  }
  return () => {
    if (state.made && !spare) park(state.made);
    else if (state.made) state.made.deck.finalize();
    state.made = null;
    root.remove();
    delete parentElement.__minqingMap;
  };
}
