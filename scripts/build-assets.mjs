// Builds tracker/static/ (git-ignored) from GOV.UK Frontend and assets/: compiled CSS, the component
// JavaScript and the service's own start-up script.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "tracker", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "assets", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), css.css);
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(root, "assets", "app.js"), join(out, "app.js"));
copyFileSync(join(root, "assets", "session-timeout.js"), join(out, "session-timeout.js"));
copyFileSync(join(root, "assets", "import-review.js"), join(out, "import-review.js"));
copyFileSync(join(root, "assets", "favicon.svg"), join(out, "favicon.svg"));
copyFileSync(join(root, "assets", "enhance.js"), join(out, "enhance.js"));
console.log(`Front-end assets built in ${out}`);
