// Loaded before decap-cms.js: the site registers its file format first, then starts the editor
// (soists-cms.js). A file, not an inline script: the admin page's policy allows no inline script.
window.CMS_MANUAL_INIT = true;
