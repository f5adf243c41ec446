// Initialise GOV.UK Frontend and MOJ Frontend components on every page.
//
// Loaded by base.html as <script type="module">, so it runs after the
// document is parsed, only in browsers that support ES modules (the same
// browsers that get the `govuk-frontend-supported` class on <body>).
//
// Both imports are the self-contained ES module bundles shipped by the
// packages, served by Django from STATICFILES_DIRS:
//   /static/js/init.mjs -> ../govuk/... = /static/govuk/all.bundle.mjs
//                       -> ../moj/...   = /static/moj/all.bundle.mjs
import { initAll as initGovukFrontend } from '../govuk/all.bundle.mjs'
import { initAll as initMojFrontend } from '../moj/all.bundle.mjs'

initGovukFrontend()
initMojFrontend()
