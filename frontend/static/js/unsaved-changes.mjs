// Nothing typed is lost by leaving a page (progressive enhancement: without JavaScript the save
// buttons still work, and nothing warns).
//
// 1. Leaving a page whose edit form has changes not sent asks first (the browser's own "Leave
//    site?" question, on beforeunload). A form has changes when a field differs from what the page
//    was served with, or, after a refused save, when it holds typed text the server sent back.
//    Sending a form is not leaving it. GET forms (filters) and forms marked data-unsaved-ignore
//    are never guarded.
// 2. A link marked data-keep-draft="<form id>" (the meeting screen's side navigation, previous and
//    next) sends that form, when it has changes, with then=<the link's address>: the server keeps
//    the typed minutes as a draft and then opens the link, so nothing is lost and nothing asks.

const IGNORED_TYPES = new Set(['hidden', 'password', 'file', 'submit', 'button', 'reset', 'image'])

function guardedForms () {
  return [...document.querySelectorAll('form')].filter(
    (form) =>
      form.method === 'post' &&
      !form.hasAttribute('data-unsaved-ignore') &&
      !form.hasAttribute('data-sign-out') &&
      !form.hasAttribute('data-session-timed-out')
  )
}

function fields (form) {
  return [...form.elements].filter((field) => field.name && !IGNORED_TYPES.has(field.type))
}

function selectChanged (select) {
  const options = [...select.options]
  if (select.multiple) return options.some((option) => option.selected !== option.defaultSelected)
  const served = Math.max(0, options.findIndex((option) => option.defaultSelected))
  return options.length > 0 && select.selectedIndex !== served
}

function hasChanges (form) {
  const refused = form.querySelector('.govuk-form-group--error') !== null
  return fields(form).some((field) => {
    if (field.type === 'checkbox' || field.type === 'radio') return field.checked !== field.defaultChecked
    if (field.tagName === 'SELECT') return selectChanged(field)
    if (field.value !== field.defaultValue) return true
    // Sent back after a refused save: still not saved.
    return refused && field.tagName === 'TEXTAREA' && field.value.trim() !== ''
  })
}

let leaving = false

window.addEventListener('submit', (event) => {
  if (!event.defaultPrevented) leaving = true
})
// Back to this page from the browser's cache: it can be left with changes again.
window.addEventListener('pageshow', () => {
  leaving = false
})

window.addEventListener('beforeunload', (event) => {
  if (leaving || !guardedForms().some(hasChanges)) return
  event.preventDefault()
  event.returnValue = '' // older browsers need it set to ask
})

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-keep-draft]')
  if (!link || event.defaultPrevented || event.button !== 0) return
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return // a new tab or window
  const form = document.getElementById(link.dataset.keepDraft)
  if (!(form instanceof HTMLFormElement) || !hasChanges(form)) return
  event.preventDefault()
  const then = document.createElement('input')
  then.type = 'hidden'
  then.name = 'then'
  then.value = link.pathname + link.search
  form.append(then)
  form.requestSubmit()
})
