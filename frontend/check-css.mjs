// Post-build check for frontend/build/application.css (run by `npm run build`).
//
// Fails the build if the compiled CSS:
// - has an absolute url(/...) (GOV.UK/MOJ defaults to /assets/, which breaks
//   under /static/ and is not rewritten by ManifestStaticFilesStorage), or
// - has a relative url() that does not resolve to a real file under the
//   static layout Django serves (collectstatic with whitenoise's manifest
//   storage would fail on it), or
// - is missing GOV.UK Frontend, MOJ Frontend or the app's own styles.
//
// Static layout (cmarac/settings.py STATICFILES_DIRS), relative to /static/:
//   govuk/ -> node_modules/govuk-frontend/dist/govuk
//   moj/   -> node_modules/@ministryofjustice/frontend/moj
//   build/ -> frontend/build
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { posix } from 'node:path'

const cssPath = 'frontend/build/application.css'
const staticDirs = {
  govuk: 'node_modules/govuk-frontend/dist/govuk',
  moj: 'node_modules/@ministryofjustice/frontend/moj',
  build: 'frontend/build'
}

const css = readFileSync(cssPath, 'utf8')
const problems = []

for (const [, raw] of css.matchAll(/url\(\s*([^)]*?)\s*\)/g)) {
  const url = raw.replace(/^["']|["']$/g, '')
  if (url.startsWith('data:') || url.startsWith('#')) continue
  if (/^([a-z]+:)?\/\//i.test(url) || url.startsWith('/')) {
    problems.push(`absolute URL: ${url}`)
    continue
  }
  // Resolve against /static/build/application.css
  const resolved = posix.normalize(posix.join('build', url.split(/[?#]/)[0]))
  const [top, ...rest] = resolved.split('/')
  const dir = staticDirs[top]
  if (!dir || !existsSync(join(dir, ...rest))) {
    problems.push(`relative URL does not resolve to a static file: ${url} -> /static/${resolved}`)
  }
}

for (const [name, marker] of [
  ['GOV.UK Frontend', '.govuk-service-navigation'],
  ['MOJ Frontend', '.moj-'],
  ['app styles', '.app-protective-marking']
]) {
  if (!css.includes(marker)) problems.push(`${name} styles missing (no "${marker}")`)
}

if (problems.length) {
  console.error(`${cssPath}:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`${cssPath}: ${Math.round(css.length / 1024)} KiB, asset URLs OK`)
