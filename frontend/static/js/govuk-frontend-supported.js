// Marks the page as able to run GOV.UK Frontend's JavaScript.
//
// GOV.UK Frontend's page template does this with an inline <script> as the
// first child of <body>. This service keeps every script external so a strict
// Content-Security-Policy (script-src 'self') can be used, so base.html loads
// this file, synchronously, as the first element of <body> instead.
// It must stay a classic (non-module) script: it has to run before the body
// is painted, and 'noModule' tells us whether the browser supports ES modules.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
