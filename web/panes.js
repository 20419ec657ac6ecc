// Panes beyond the file browser (the console, the administrator's pages).
//
// A pane module registers itself here and is loaded by its own <script
// type="module"> in index.html; app.js owns the session and the routes.
// A pane named NAME is shown at #/NAME[/path] in a <main id="pane-NAME">
// that app.js makes, with a link in the header when visible(ctx) says so.
//
//   registerPane('console', {
//       label: 'Console',
//       visible: async (ctx) => true,      // optional: may read files
//       show: async (main, ctx) => {...},  // main: the pane's element
//   });
//
// ctx: { client, user, path, say(text), show(error), go(hash) }: the
// session's ninep.js connection, its user, the path after #/NAME, the
// message line of the page and a way to change the route.

export const panes = new Map();

export function registerPane(name, pane) {
    panes.set(name, pane);
}

/* An element: props.text becomes its text (never HTML), the others its
   attributes; kids are appended. */
export function el(tag, props = {}, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
        if (k === 'text') e.textContent = v;
        else e.setAttribute(k, v);
    }
    e.append(...kids);
    return e;
}
