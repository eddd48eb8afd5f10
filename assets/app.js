// Starts GOV.UK Frontend's components (error summary focus, details, tabs...) and the service's own:
// the warning before an idle session ends. Loaded as a module so that it runs only in browsers GOV.UK
// Frontend supports; no inline script, so the CSP stays strict.
import { initAll } from "./govuk-frontend.min.js";
import { initSessionTimeout } from "./session-timeout.js";
import { revealWhen, scrollTables } from "./enhance.js";

scrollTables();
initAll();
revealWhen();
initSessionTimeout();
