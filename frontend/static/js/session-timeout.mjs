// The session timeout warning (GOV.UK pattern) and keeping what a person typed when their session ends.
//
// templates/includes/session_timeout.html renders a <dialog data-session-timeout> for a signed-in
// person, with the seconds the session has left. Two minutes before the end the dialog opens as a
// modal (focus moves into it, Escape means "stay signed in"); the countdown is shown every second
// but announced only at each minute and at 30 and 10 seconds. "Stay signed in" posts to the
// keep-alive address, which renews the session. When time runs out the hidden form signs the person
// out and they come back to this page after signing in again.
//
// From the moment the warning opens, the text in this page's forms is kept in sessionStorage (this
// tab only, gone when it is closed), for this person and this page, and put back with a notice
// when they return. It is removed when a form is sent while the session is live, when they stay
// signed in, and when they sign out.

const dialog = document.querySelector('[data-session-timeout]')
const PREFIX = 'cmarac-unsaved:'
const SKIPPED_TYPES = new Set(['hidden', 'password', 'file', 'submit', 'button', 'reset', 'image'])

function storage () {
  try {
    return window.sessionStorage
  } catch {
    return null // storage switched off: the warning still works
  }
}

function ownForms (exclude) {
  return [...document.querySelectorAll('form')].filter(
    (form) => form.method === 'post' && !exclude.includes(form) && !form.hasAttribute('data-sign-out')
  )
}

function keptFields (form) {
  return [...form.elements].filter(
    (field) =>
      field.name &&
      field.name !== 'csrfmiddlewaretoken' &&
      ['INPUT', 'TEXTAREA', 'SELECT'].includes(field.tagName) &&
      !SKIPPED_TYPES.has(field.type)
  )
}

function snapshot (forms) {
  const saved = []
  let anything = false
  forms.forEach((form, index) => {
    const values = {}
    for (const field of keptFields(form)) {
      values[field.name] ??= []
      if (field.type === 'radio' || field.type === 'checkbox') {
        if (field.checked) values[field.name].push(field.value)
      } else if (field.tagName === 'SELECT' && field.multiple) {
        values[field.name].push(...[...field.selectedOptions].map((option) => option.value))
      } else {
        values[field.name].push(field.value)
        if (field.tagName !== 'SELECT' && field.value.trim()) anything = true
      }
    }
    saved.push({ index, action: form.getAttribute('action') || '', values })
  })
  return anything ? saved : null
}

function restore (forms, saved) {
  let restored = false
  for (const { index, action, values } of saved) {
    const form = forms[index]
    if (!form || (form.getAttribute('action') || '') !== action) continue
    for (const field of keptFields(form)) {
      const wanted = values[field.name]
      if (!wanted) continue
      if (field.type === 'radio' || field.type === 'checkbox') {
        field.checked = wanted.includes(field.value)
      } else if (field.tagName === 'SELECT' && field.multiple) {
        for (const option of field.options) option.selected = wanted.includes(option.value)
      } else {
        const sameName = keptFields(form).filter((other) => other.name === field.name)
        const value = wanted[sameName.indexOf(field)]
        if (value === undefined) continue
        field.value = value
      }
      restored = true
    }
  }
  return restored
}

function showRestoredNotice () {
  const main = document.querySelector('main')
  if (!main) return
  const banner = document.createElement('div')
  banner.className = 'govuk-notification-banner'
  banner.setAttribute('role', 'region')
  banner.setAttribute('aria-labelledby', 'session-restored-title')
  banner.setAttribute('tabindex', '-1')
  banner.setAttribute('data-session-restored', '')
  const header = document.createElement('div')
  header.className = 'govuk-notification-banner__header'
  const title = document.createElement('h2')
  title.className = 'govuk-notification-banner__title'
  title.id = 'session-restored-title'
  title.textContent = 'Important'
  header.append(title)
  const content = document.createElement('div')
  content.className = 'govuk-notification-banner__content'
  const text = document.createElement('p')
  text.className = 'govuk-notification-banner__heading'
  text.textContent =
    'You were signed out before your changes were saved. What you had typed has been put back: check it and save again.'
  content.append(text)
  banner.append(header, content)
  main.prepend(banner)
  banner.focus()
}

function spoken (seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60)
    return `${minutes} minute${minutes === 1 ? '' : 's'}`
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

if (dialog && typeof dialog.showModal === 'function') {
  const store = storage()
  const key = `${PREFIX}${dialog.dataset.user}:${window.location.pathname}`
  const warningMs = Number(dialog.dataset.warningSeconds) * 1000
  const countdown = dialog.querySelector('[data-session-countdown]')
  const announce = dialog.querySelector('[data-session-announce]')
  const kept = dialog.querySelector('[data-session-kept]')
  const timedOutForm = dialog.querySelector('[data-session-timed-out]')
  const forms = ownForms([timedOutForm])
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft) * 1000
  let keeping = false
  let returnFocus = null
  let lastAnnounced = null
  let timer = null

  // Another tab of the service renews the same session: share the latest deadline between tabs
  // (a time only), so one tab does not warn about, or end, a session another tab is using.
  const sharedKey = `cmarac-session-deadline:${dialog.dataset.user}`
  const share = () => {
    try {
      window.localStorage.setItem(sharedKey, String(deadline))
    } catch {
      // Storage switched off: each tab counts on its own.
    }
  }
  const latestShared = () => {
    try {
      return Number(window.localStorage.getItem(sharedKey)) || 0
    } catch {
      return 0
    }
  }

  const save = () => {
    if (!store) return
    const saved = snapshot(forms)
    if (saved) store.setItem(key, JSON.stringify({ saved }))
  }
  const forget = () => store?.removeItem(key)

  // Back after signing in again: put the words back, once.
  const previous = store?.getItem(key)
  if (previous) {
    forget()
    try {
      if (restore(forms, JSON.parse(previous).saved)) showRestoredNotice()
    } catch {
      // Something unreadable: nothing to put back.
    }
  }

  document.addEventListener(
    'submit',
    (event) => {
      const form = event.target
      if (form.hasAttribute('data-sign-out')) {
        for (const name of Object.keys(store || {})) {
          if (name.startsWith(PREFIX)) store.removeItem(name)
        }
      } else if (form !== timedOutForm) {
        // Sent while the session is live: nothing to keep. Sent after it ended: the server will
        // refuse it and ask them to sign in, so keep the words.
        if (Date.now() < deadline) forget()
        else save()
      }
    },
    true
  )
  document.addEventListener('input', () => keeping && save())
  document.addEventListener('change', () => keeping && save())

  const open = () => {
    keeping = true
    save()
    kept.hidden = !forms.some((form) => keptFields(form).length)
    returnFocus = document.activeElement
    dialog.showModal()
    dialog.focus()
  }

  const close = () => {
    keeping = false
    forget()
    lastAnnounced = null
    announce.textContent = ''
    dialog.close()
    returnFocus?.focus?.()
  }

  const timeOut = () => {
    window.clearInterval(timer)
    save()
    timedOutForm.requestSubmit() // a submit event, so the unsaved-changes warning does not stop it
  }

  const tick = () => {
    deadline = Math.max(deadline, latestShared())
    if (dialog.open && deadline - Date.now() > warningMs) close() // renewed in another tab
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000))
    if (left === 0) return timeOut()
    if (!dialog.open) {
      if (deadline - Date.now() <= warningMs) open()
      else return
    }
    countdown.textContent = spoken(left)
    const moment = left >= 60 ? `${Math.ceil(left / 60)}m` : [30, 10].includes(left) ? `${left}s` : null
    if (moment && moment !== lastAnnounced) {
      lastAnnounced = moment
      announce.textContent = `You will be signed out in ${spoken(left)}.`
    }
  }

  const stay = async () => {
    const token = timedOutForm.querySelector('[name=csrfmiddlewaretoken]').value
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: 'POST',
        headers: { 'X-CSRFToken': token, Accept: 'application/json' },
        credentials: 'same-origin'
      })
      if (response.status === 401) return timeOut()
      if (!response.ok) return
      const state = await response.json()
      deadline = Date.now() + state.seconds_left * 1000
      share()
      close()
    } catch {
      // Offline for a moment: the dialog stays open and they can try again.
    }
  }

  dialog.querySelector('[data-session-stay]').addEventListener('click', stay)
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault() // Escape means "stay signed in", as in the GOV.UK pattern
    stay()
  })

  share()
  timer = window.setInterval(tick, 1000)
  tick()
}
