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
    layers: converted.layers,
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
  // as the element stays; a new initial view moves it there, the same one (deep-equal) leaves
  // the user's pan and zoom, as Streamlit's element does under an unchanged key.
  if (state.deck) {
    state.deck.setProps({...props, initialViewState: converted.initialViewState});
  } else {
    const canvas = document.createElement('canvas');
    canvas.style.width = '100%';
    canvas.style.height = '100%';
    root.appendChild(canvas);
    state.deck = new Deck({...props, canvas, initialViewState: converted.initialViewState});
    root.dataset.made = String(Number(root.dataset.made || 0) + 1); // WebGL contexts made
  }
  return () => {
    if (state.deck) state.deck.finalize();
    state.deck = null;
    root.remove();
    delete parentElement.__minqingMap;
  };
}
