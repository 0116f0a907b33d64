// After a form comes back with errors, move the focus to the error summary so screen readers
// announce it and keyboard users start from the list of links to the fields to correct.
const summary = document.querySelector(".error-summary");
if (summary) summary.focus();
