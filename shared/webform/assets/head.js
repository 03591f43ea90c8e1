// Mark the document as able to upload files, before the first paint, so the
// stylesheet hides the texts meant for browsers without JavaScript.
if (window.FormData && window.JSON && window.XMLHttpRequest && ('upload' in new XMLHttpRequest()) && document.querySelector) document.documentElement.className += ' js';
