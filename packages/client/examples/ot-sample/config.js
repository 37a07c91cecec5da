// Fill these in from your backend (or have the page fetch them): the API key, a session ID, and a token for it.
const API_KEY = '';
const SESSION_ID = '';
const TOKEN = '';
