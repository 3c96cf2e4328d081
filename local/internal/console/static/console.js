// The local console: a reference web client of the Wallet Accounts API. It uses the public API
// only, from the same origin, as any web client would: JSON bodies with Content-Type
// application/json, the session as "Authorization: Bearer" (kept in sessionStorage, so it ends
// with the tab), and this browser as one device (kept in localStorage). Every answer is shown at
// the top of the page, an API problem document by its code and detail. No framework, no build
// step, nothing loaded from elsewhere (the page's Content-Security-Policy allows this origin only).
'use strict';

// The passkey routes (go-webauthn behind them): options are {publicKey: {...}} with base64url
// challenge and ids; credentials go back as the standard PublicKeyCredential JSON with base64url
// fields. Until the routes are in template.yaml the local API answers 404, which is shown.
const PASSKEY = {
  register: '/v1/passkeys/registrations', // POST -> {registrationId, publicKey: {...}}
  finish: (id) => '/v1/passkeys/registrations/' + encodeURIComponent(id), // POST {name, credential}
  list: '/v1/passkeys', // GET -> {passkeys: [{passkeyId, name, createdAt, lastUsedAt}]}
  item: (id) => '/v1/passkeys/' + encodeURIComponent(id), // PATCH {name}, DELETE
  signInOptions: '/v1/sessions/passkey/options', // POST -> {ceremonyId, publicKey: {...}}
  signIn: '/v1/sessions/passkey', // POST passkeySignInBody(...) -> 201 {sessionToken, ...}
};

// passkeySignInBody is the body of POST /v1/sessions/passkey: the ceremony the options opened,
// the assertion, and the device it signs in.
function passkeySignInBody(options, credential) {
  return { ceremonyId: options.ceremonyId, credential, device: deviceBody() };
}

const STORE = { session: 'wallet-console.session', device: 'wallet-console.device', inbox: 'wallet-console.inbox' };

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// el builds an element; children are nodes or strings (always text: nothing is parsed as HTML).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv !== undefined) e.dataset[dk] = dv;
    }
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) e.append(c);
  }
  return e;
}

function randomID(bytes = 16) {
  return bytesToB64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

const digits = (s) => String(s || '').replace(/\D/g, '');

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

// ---- base64url, for WebAuthn ----

function b64urlToBytes(s) {
  const b64 = String(s).replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function bytesToB64url(buf) {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---- this browser as a device, and the session ----

function device() {
  let d = null;
  try {
    d = JSON.parse(localStorage.getItem(STORE.device) || 'null');
  } catch {
    d = null;
  }
  if (!d || typeof d.id !== 'string') {
    d = { id: 'web-' + randomID(), name: 'Local console', platform: 'web' };
    localStorage.setItem(STORE.device, JSON.stringify(d));
  }
  return d;
}

function saveDevice(d) {
  localStorage.setItem(STORE.device, JSON.stringify(d));
  renderDevice();
}

// deviceBody is the API's Device for this browser, with the deviceSecret its last sign-in or
// signup answered: without it, the device is a new one whatever its id.
function deviceBody() {
  const d = device();
  const body = { id: d.id, name: d.name || 'Local console', platform: 'web' };
  if (d.secret) body.secret = d.secret;
  return body;
}

// keepDeviceSecret stores the deviceSecret of a sign-in or signup answer, when it has one.
function keepDeviceSecret(data) {
  if (data && typeof data.deviceSecret === 'string' && data.deviceSecret) {
    saveDevice({ ...device(), secret: data.deviceSecret });
  }
}

function renderDevice() {
  const d = device();
  $('#device-id').textContent = d.id;
  $('#device-secret').textContent = d.secret ? 'kept, sent at sign-in' : 'none yet';
  const name = $('#device-form [name=name]');
  if (document.activeElement !== name) name.value = d.name || '';
}

const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE.session) || 'null');
    } catch {
      return null;
    }
  },
  token() {
    const s = session.get();
    return s && s.token;
  },
  set(token, phone) {
    sessionStorage.setItem(STORE.session, JSON.stringify({ token, phone }));
    renderWhoami();
  },
  clear() {
    sessionStorage.removeItem(STORE.session);
    renderWhoami();
  },
};

function renderWhoami() {
  const s = session.get();
  $('#whoami').textContent = s ? 'Signed in' : 'Signed out';
  $('#whoami').dataset.state = s ? 'signed-in' : 'signed-out';
}

// ---- the API ----

// api sends one request and shows its answer. It resolves to {ok, status, data, problem}; a
// network failure is shown and resolves with status 0.
async function api(method, path, body, { auth = false, headers = {}, quiet = false } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (auth) {
    const token = session.token();
    if (token) init.headers.Authorization = 'Bearer ' + token;
  }
  const answer = { method, path, ok: false, status: 0, data: null, problem: null };
  try {
    const res = await fetch(path, init);
    answer.status = res.status;
    answer.ok = res.ok;
    answer.retryAfter = res.headers.get('Retry-After');
    answer.relayed = res.headers.get('X-Console-Relayed'); // the pay page's relay: the internal request
    const text = await res.text();
    answer.text = text;
    if (text) {
      try {
        answer.data = JSON.parse(text);
      } catch {
        answer.data = { message: text };
      }
    }
    if (!res.ok && answer.data && answer.data.code) answer.problem = answer.data;
  } catch (e) {
    answer.error = String(e);
  }
  if (auth && answer.status === 401) session.clear(); // the session has ended
  if (!quiet || !answer.ok) showAnswer(answer);
  return answer;
}

// redact hides tokens and secrets in an answer shown on the page (and in its screenshots).
function redact(value) {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /token|secret/i.test(k) && typeof v === 'string' ? '…(' + v.length + ' characters, kept)' : redact(v);
    }
    return out;
  }
  return value;
}

function showAnswer(a) {
  const box = $('#answer');
  box.hidden = false;
  box.replaceChildren();
  box.dataset.status = String(a.status);
  box.dataset.code = (a.problem && a.problem.code) || '';
  box.className = a.ok ? 'ok' : 'problem';
  box.append(el('span', { class: 'request' }, `${a.method} ${a.path} → ${a.status || 'no answer'}`), ' ');
  if (a.error) {
    box.append(el('span', { class: 'detail' }, 'The request failed: ' + a.error));
    return;
  }
  if (a.problem) {
    const p = a.problem;
    box.append(el('span', { class: 'code' }, p.code), ' ', el('span', { class: 'title' }, p.title || ''));
    box.append(el('span', { class: 'detail' }, p.detail || ''));
    const extras = ['attemptsRemaining', 'retryAfterSeconds', 'field', 'purpose', 'acceptableFactors', 'questionId']
      .filter((k) => p[k] !== undefined)
      .map((k) => `${k}: ${Array.isArray(p[k]) ? p[k].join(', ') : p[k]}`);
    if (extras.length) box.append(el('span', { class: 'extra' }, extras.join(' · ')));
    return;
  }
  if (!a.ok) {
    const message = (a.data && a.data.message) || '';
    box.append(el('span', { class: 'code' }, message || 'error'));
    if (a.status === 404 && message === 'Not Found') {
      box.append(el('span', { class: 'detail' }, 'No route: this stack does not serve ' + a.path + ' (yet).'));
    }
    return;
  }
  if (a.data) box.append(el('pre', {}, JSON.stringify(redact(a.data), null, 2)));
}

function note(text, ok = true) {
  const box = $('#answer');
  box.hidden = false;
  box.className = ok ? 'ok' : 'problem';
  box.dataset.status = '';
  box.dataset.code = '';
  box.replaceChildren(el('span', { class: 'detail' }, text));
}

// sendCode asks for a code to phone for purpose; the inbox then offers its "use" for input.
async function sendCode(phone, region, purpose, input) {
  inbox.want(input, phone, purpose); // before the request: the code's SMS is new to the inbox
  const body = { phone, purpose };
  if (region) body.region = region;
  const a = await api('POST', '/v1/otp', body);
  if (!a.ok) {
    inbox.done();
    return null;
  }
  inbox.refresh();
  input.focus();
  return a.data.challengeId;
}

async function verifyCode(challengeId, code) {
  const a = await api('POST', '/v1/otp/verify', { challengeId, code });
  if (!a.ok) return null;
  inbox.done();
  return a.data.verificationToken;
}

// ---- security questions: signup, the Security page, Lost phone ----

let catalog = null; // GET /v1/security-questions, once: [{id, en, zh}]
let language = 'en'; // the account's, once the Account page has read it; the questions' language

async function securityQuestions() {
  if (!catalog) {
    const a = await api('GET', '/v1/security-questions', undefined, { quiet: true });
    if (!a.ok) return null;
    catalog = a.data.questions;
  }
  return catalog;
}

function questionOptions(questions, lang, selected) {
  return questions.map((q, j) => el('option', { value: q.id, selected: j === selected }, q[lang] || q.en));
}

// questionFields fills box (once) with three question selects and their answers: question0..2
// and answer0..2, each select starting on a different question.
async function questionFields(box, lang) {
  if (box.dataset.loaded) return true;
  const questions = await securityQuestions();
  if (!questions) return false;
  for (let i = 0; i < 3; i++) {
    const select = el('select', { name: 'question' + i, 'aria-label': 'Question ' + (i + 1) }, questionOptions(questions, lang, i));
    box.append(el('label', {}, select, ' ',
      el('input', { name: 'answer' + i, required: true, placeholder: 'answer', 'aria-label': 'Answer ' + (i + 1) })));
  }
  box.dataset.loaded = '1';
  return true;
}

// answersOf reads the three answers of questionFields back, or notes why not.
function answersOf(f) {
  const answers = [0, 1, 2].map((i) => ({ questionId: f['question' + i].value, answer: f['answer' + i].value }));
  if (new Set(answers.map((a) => a.questionId)).size !== 3) {
    note('Choose three different security questions.', false);
    return null;
  }
  return answers;
}

// ---- sign up ----

const signup = { phone: '', region: '', challengeId: '', token: '', idempotencyKey: '' };

async function loadQuestions() {
  const box = $('#signup-questions');
  if (box.dataset.loaded || !(await questionFields(box, $('#signup-create [name=language]').value))) return;
  // The questions follow the language chosen for the account.
  $('#signup-create [name=language]').addEventListener('change', (e) => {
    for (const o of $$('#signup-questions option')) {
      const q = catalog.find((q) => q.id === o.value);
      o.textContent = q[e.target.value] || q.en;
    }
  });
}

function bindSignup() {
  $('#signup-send').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    signup.phone = f.phone.value.trim();
    signup.region = f.region.value.trim();
    const input = $('#signup-verify [name=code]');
    $('#signup-verify').hidden = false;
    const id = await sendCode(signup.phone, signup.region, 'signup', input);
    if (id) signup.challengeId = id;
  });
  $('#signup-verify').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = await verifyCode(signup.challengeId, e.target.code.value.trim());
    if (!token) return;
    // One key per verification token: a retry of the same signup gets the first answer again.
    Object.assign(signup, { token, idempotencyKey: 'console-' + randomID(12) });
    $('#signup-create').hidden = false;
    const name = $('#signup-create [name=deviceName]');
    if (!name.value) name.value = device().name;
    await loadQuestions();
    $('#signup-create [name=answer0]').focus();
  });
  $('#signup-create').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    const answers = answersOf(f);
    if (!answers) return;
    if (f.deviceName.value.trim()) saveDevice({ ...device(), name: f.deviceName.value.trim() });
    const body = {
      verificationToken: signup.token,
      loginPassword: f.loginPassword.value,
      paymentPassword: f.paymentPassword.value,
      securityAnswers: answers,
      agreementVersion: f.agreementVersion.value.trim(),
      language: f.language.value,
      device: deviceBody(),
    };
    const a = await api('POST', '/v1/accounts', body, { headers: { 'Idempotency-Key': signup.idempotencyKey } });
    if (!a.ok) return;
    keepDeviceSecret(a.data);
    session.set(a.data.sessionToken, signup.phone);
    $('#signin-form [name=phone]').value = signup.phone;
    $('#signin-form [name=region]').value = signup.region;
    for (const id of ['#signup-verify', '#signup-create']) $(id).hidden = true;
    $('#signup-send').reset();
    f.reset();
    location.hash = '#account';
  });
}

// ---- sign in ----

const signin = { phone: '', region: '', password: '', challengeId: '' };

async function signIn(verificationToken) {
  const body = { phone: signin.phone, password: signin.password, device: deviceBody() };
  if (signin.region) body.region = signin.region;
  if (verificationToken) body.verificationToken = verificationToken;
  const a = await api('POST', '/v1/sessions', body);
  if (a.ok) {
    keepDeviceSecret(a.data);
    session.set(a.data.sessionToken, signin.phone);
    $('#signin-stepup').hidden = true;
    $('#signin-form [name=password]').value = '';
    signin.password = '';
    location.hash = '#account';
  } else if (a.problem && a.problem.code === 'step_up_required') {
    $('#stepup-purpose').textContent = a.problem.purpose || 'login_step_up';
    $('#signin-stepup').hidden = false;
    $('#stepup-send').focus();
  }
  return a;
}

function bindSignin() {
  $('#signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    Object.assign(signin, { phone: f.phone.value.trim(), region: f.region.value.trim(), password: f.password.value });
    $('#signin-stepup').hidden = true;
    await signIn();
  });
  $('#stepup-send').addEventListener('click', async () => {
    const input = $('#signin-stepup [name=code]');
    const id = await sendCode(signin.phone, signin.region, $('#stepup-purpose').textContent, input);
    if (id) signin.challengeId = id;
  });
  $('#signin-stepup').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = await verifyCode(signin.challengeId, e.target.code.value.trim());
    if (token) {
      e.target.reset();
      await signIn(token);
    }
  });
}

// ---- the account: overview, devices, freeze, sign out ----

// needSession notes, unless there is a session, that the page needs one.
function needSession(what) {
  if (session.token()) return true;
  note('Sign in to ' + what + '.', false);
  return false;
}

async function loadAccount() {
  if (!needSession('see the account')) return;
  const a = await api('GET', '/v1/account', undefined, { auth: true, quiet: true });
  if (!a.ok) return;
  renderOverview(a.data);
  await loadDevices();
}

function renderOverview(acc) {
  const dl = $('#account-overview');
  const rows = [
    ['Account', acc.accountId],
    ['Phone', acc.phone],
    ['Status', el('span', { id: 'account-status', class: acc.status }, acc.status)],
    ['Verification', acc.verificationLevel],
    ['Language', acc.language],
    ['Created', when(acc.createdAt)],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  $('#account-frozen').hidden = acc.status !== 'frozen';
  if (acc.language) language = acc.language;
}

// frozen shows what a freeze did, from any page: every session has ended, this one too.
function frozen(status) {
  session.clear();
  const s = $('#account-status');
  if (s) {
    s.textContent = status;
    s.className = status;
  }
  $('#devices tbody').replaceChildren();
  for (const b of $$('#activity button.report')) b.disabled = true;
  $('#activity-more').hidden = true;
  for (const b of $$('.frozen-banner')) b.hidden = false;
}

async function loadDevices() {
  const a = await api('GET', '/v1/devices', undefined, { auth: true, quiet: true });
  if (!a.ok) return;
  const rows = a.data.devices.map((d) =>
    el('tr', { dataset: { id: d.id, current: String(d.current) } },
      el('td', {}, d.name || d.id),
      el('td', {}, d.platform),
      el('td', {}, when(d.firstSeen)),
      el('td', {}, when(d.lastSeen)),
      el('td', { class: d.current ? 'current' : '' }, d.current
        ? 'this device'
        : el('button', { type: 'button', class: 'remove', onclick: () => removeDevice(d) }, 'Remove'))));
  $('#devices tbody').replaceChildren(...rows);
}

async function removeDevice(d) {
  const a = await api('DELETE', '/v1/devices/' + encodeURIComponent(d.id), undefined, { auth: true });
  if (a.ok) await loadDevices();
}

function bindAccount() {
  $('#account-refresh').addEventListener('click', loadAccount);
  $('#signout').addEventListener('click', async () => {
    await api('DELETE', '/v1/sessions/current', undefined, { auth: true });
    session.clear();
    for (const id of ['#account-overview', '#devices tbody', '#profile-overview', '#activity tbody']) $(id).replaceChildren();
    $('#activity-more').hidden = true;
    location.hash = '#signin';
  });
  const confirmButtons = ['#freeze-confirm', '#freeze-cancel'];
  $('#freeze').addEventListener('click', () => confirmButtons.forEach((id) => ($(id).hidden = false)));
  $('#freeze-cancel').addEventListener('click', () => confirmButtons.forEach((id) => ($(id).hidden = true)));
  $('#freeze-confirm').addEventListener('click', async () => {
    confirmButtons.forEach((id) => ($(id).hidden = true));
    const a = await api('POST', '/v1/account/freeze', {}, { auth: true });
    if (a.ok) frozen(a.data.status);
  });
}

// ---- fresh proof: reauthenticate, and the changes that need it ----

// A sensitive change (a secret, the identity details) needs proof from the last 5 minutes; a
// staler session answers 403 reauthentication_required. The change then waits in reauth.pending
// while the reauthenticate form asks for the password, and is sent again once it is confirmed.
const reauth = { pending: null }; // {view, what, send}

// sensitive sends one change that needs fresh proof; done runs when it succeeds, after a
// reauthentication too.
function sensitive(what, method, path, body, done) {
  const send = async () => {
    const a = await api(method, path, body, { auth: true });
    if (a.ok) {
      if (done) await done(a);
    } else if (a.problem && a.problem.code === 'reauthentication_required') {
      reauth.pending = { view: currentView(), what, send };
      renderReauth();
      $('#reauth').scrollIntoView({ block: 'nearest' });
      $('#reauth [name=password]').focus();
    }
    return a;
  };
  return send();
}

// renderReauth shows the form on the Security page, and on any page whose change waits for it.
function renderReauth() {
  const p = reauth.pending;
  $('#reauth').hidden = !p && currentView() !== 'security';
  $('#reauth').classList.toggle('needed', !!p);
  $('#reauth-why').hidden = !p;
  $('#reauth-why').textContent = p ? `To ${p.what}, confirm it is you: the change is sent again once you have.` : '';
  $('#reauth-cancel').hidden = !p;
}

function bindReauth() {
  $('#reauth').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    const a = await api('POST', '/v1/sessions/current/reauthenticate', { password: f.password.value }, { auth: true });
    if (!a.ok) return;
    f.reset();
    const p = reauth.pending;
    reauth.pending = null;
    renderReauth();
    if (p) await p.send();
  });
  $('#reauth-cancel').addEventListener('click', () => {
    reauth.pending = null;
    renderReauth();
  });
}

// ---- security: the login and payment passwords, the security answers ----

async function loadSecurity() {
  if (!needSession("change the account's secrets")) return;
  await questionFields($('#security-answers-questions'), language);
}

function bindSecurity() {
  $('#login-password-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    if (f.newPassword.value !== f.newPasswordAgain.value) {
      note('The new password and its repetition differ.', false);
      return;
    }
    sensitive('change the login password', 'PUT', '/v1/account/login-password',
      { currentPassword: f.currentPassword.value, newPassword: f.newPassword.value }, () => f.reset());
  });
  $('#payment-password-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    sensitive('change the payment password', 'PUT', '/v1/account/payment-password',
      { currentPaymentPassword: f.currentPaymentPassword.value, newPaymentPassword: f.newPaymentPassword.value }, () => f.reset());
  });
  $('#security-answers-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    const securityAnswers = answersOf(f);
    if (!securityAnswers) return;
    sensitive('replace the security answers', 'PUT', '/v1/account/security-answers',
      { paymentPassword: f.paymentPassword.value, securityAnswers }, () => f.reset());
  });
}

// ---- profile ----

const PROFILE_FIELDS = ['realName', 'gender', 'dateOfBirth', 'address', 'occupation']; // "" clears one
const ID_TYPES = { national_id: 'national ID', passport: 'passport', drivers_licence: "driver's licence" };

async function loadProfile() {
  if (!needSession('see the profile')) return;
  const a = await api('GET', '/v1/account/profile', undefined, { auth: true, quiet: true });
  if (a.ok) renderProfile(a.data);
}

function renderProfile(p) {
  const rows = [
    ['Name', p.realName],
    ['Gender', p.gender],
    ['Date of birth', p.dateOfBirth],
    ['Address', p.address],
    ['Occupation', p.occupation],
    ['Citizenship', p.citizenship],
    ['ID document', p.idType && `${ID_TYPES[p.idType] || p.idType} …${p.idLast4 || ''}`],
    ['Email', p.email],
  ];
  $('#profile-overview').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v || '—')]));
  const f = $('#profile-form').elements;
  for (const k of PROFILE_FIELDS) f.namedItem(k).value = p[k] || '';
  // What is set stays: its fields show it and are no longer editable.
  const id = $('#identity-form').elements;
  id.namedItem('citizenship').value = p.citizenship || '';
  id.namedItem('citizenship').disabled = !!p.citizenship;
  id.namedItem('idType').value = p.idType || '';
  id.namedItem('idNumber').value = p.idType ? '…' + (p.idLast4 || '') : '';
  for (const k of ['idType', 'idNumber']) id.namedItem(k).disabled = !!p.idType;
  $('#identity-form button').disabled = !!(p.citizenship && p.idType);
}

function bindProfile() {
  $('#profile-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = Object.fromEntries(PROFILE_FIELDS.map((k) => [k, f.namedItem(k).value.trim()]));
    const a = await api('PATCH', '/v1/account/profile', body, { auth: true });
    if (a.ok) renderProfile(a.data);
  });
  $('#identity-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = {};
    for (const k of ['citizenship', 'idType', 'idNumber']) {
      const input = f.namedItem(k);
      if (!input.disabled && input.value.trim()) body[k] = input.value.trim();
    }
    if (body.citizenship) body.citizenship = body.citizenship.toUpperCase();
    if (!Object.keys(body).length) {
      note('Fill in the citizenship, or the ID type with its number.', false);
      return;
    }
    sensitive('set the citizenship and ID document', 'PATCH', '/v1/account/profile', body, (a) => renderProfile(a.data));
  });
}

// ---- email: bind by a code sent to the address, remove ----

const emailBinding = { challengeId: null };

async function loadEmail() {
  if (!needSession('bind an email address')) return;
  const a = await api('GET', '/v1/account/profile', undefined, { auth: true, quiet: true });
  if (!a.ok) return;
  const p = a.data;
  $('#email-overview').replaceChildren(el('dt', {}, 'Address'),
    el('dd', {}, p.email ? `${p.email} (${p.emailVerified ? 'verified: it signs in' : 'not verified'})` : '—'));
  $('#email-remove').hidden = !p.email;
}

function bindEmail() {
  $('#email-send').addEventListener('submit', (e) => {
    e.preventDefault();
    const addr = e.target.email.value.trim();
    const input = $('#email-verify [name=code]');
    inbox.want(input, addr, 'email_bind');
    sensitive('send a code to ' + addr, 'POST', '/v1/account/email', { email: addr }, (a) => {
      emailBinding.challengeId = a.data.challengeId;
      $('#email-verify').hidden = false;
      inbox.refresh();
      input.focus();
    }).then((a) => {
      if (!a.ok && !reauth.pending) inbox.done();
    });
  });
  $('#email-verify').addEventListener('submit', async (e) => {
    e.preventDefault();
    const a = await api('POST', '/v1/account/email/verify', { challengeId: emailBinding.challengeId, code: e.target.code.value.trim() },
      { auth: true });
    if (!a.ok) return;
    inbox.done();
    e.target.reset();
    $('#email-verify').hidden = true;
    loadEmail();
  });
  $('#email-remove').addEventListener('click', () => {
    sensitive('remove the email address', 'DELETE', '/v1/account/email', undefined, () => loadEmail());
  });
}

// ---- activity, and "This wasn't me" ----

const activity = { cursor: null, seq: 0 };

// loadActivity shows the first page of the activity, or appends the next one.
async function loadActivity(more = false) {
  if (!needSession('see the activity')) return;
  let path = '/v1/account/activity?limit=' + encodeURIComponent($('#activity-limit').value || '20');
  if (more && activity.cursor) path += '&cursor=' + encodeURIComponent(activity.cursor);
  const seq = ++activity.seq;
  const a = await api('GET', path, undefined, { auth: true, quiet: true });
  if (!a.ok || seq !== activity.seq) return; // a later load has the table
  const rows = a.data.entries.map(activityRow);
  if (!more && !rows.length) rows.push(el('tr', {}, el('td', { colspan: 6 }, 'No activity in the last 90 days.')));
  if (more) $('#activity tbody').append(...rows);
  else $('#activity tbody').replaceChildren(...rows);
  $('#activity').dataset.pages = String(more ? Number($('#activity').dataset.pages || 0) + 1 : 1); // for tests to wait on
  activity.cursor = a.data.nextCursor || null;
  $('#activity-more').hidden = !activity.cursor;
  $('#activity-frozen').hidden = true;
}

function activityRow(entry) {
  const d = entry.device; // absent for a request without a session (a freeze link, a recovery)
  const details = Object.entries(entry.details || {}).map(([k, v]) => `${k}: ${v}`).join(', ');
  const cell = el('td', { class: 'report' });
  reportButton(cell, entry);
  return el('tr', { dataset: { id: entry.eventId, type: entry.type } },
    el('td', {}, el('code', {}, entry.type)),
    el('td', {}, el('time', { datetime: entry.at }, when(entry.at))),
    el('td', {}, d ? (d.name || d.id) + (d.platform ? ` (${d.platform})` : '') : '—'),
    el('td', {}, entry.sourceIp || ''),
    el('td', {}, details),
    cell);
}

// reportButton puts "This wasn't me" in cell; it asks before it freezes the account.
function reportButton(cell, entry) {
  cell.replaceChildren(el('button', {
    type: 'button', class: 'danger report', onclick: () => cell.replaceChildren(
      el('span', { class: 'hint' }, 'Freeze the account now? '),
      el('button', { type: 'button', class: 'danger report-confirm', onclick: () => report(cell, entry) }, 'Yes, freeze it'), ' ',
      el('button', { type: 'button', class: 'report-cancel', onclick: () => reportButton(cell, entry) }, 'Cancel')),
  }, "This wasn't me"));
}

async function report(cell, entry) {
  const a = await api('POST', '/v1/account/activity/' + encodeURIComponent(entry.eventId) + '/report', undefined, { auth: true });
  if (!a.ok) {
    reportButton(cell, entry);
    return;
  }
  cell.replaceChildren(el('strong', { class: 'reported' }, 'reported'));
  frozen(a.data.status);
}

function bindActivity() {
  $('#activity-refresh').addEventListener('click', () => loadActivity());
  $('#activity-limit').addEventListener('change', () => loadActivity());
  $('#activity-more').addEventListener('click', () => loadActivity(true));
}

// ---- lost phone: lock the account without a session ----

async function loadLock() {
  const select = $('#lock-form [name=questionId]');
  if (select.options.length) return;
  const questions = await securityQuestions();
  if (questions) select.replaceChildren(...questionOptions(questions, language, 0));
}

// samePhone: do two numbers, as typed, name the same phone (one may lack the country code)?
function samePhone(a, b) {
  const [x, y] = [digits(a).replace(/^0+/, ''), digits(b).replace(/^0+/, '')];
  return x.length >= 7 && y.length >= 7 && (x.endsWith(y) || y.endsWith(x));
}

function bindLock() {
  const f = $('#lock-form');
  const byAnswer = () => f.elements.namedItem('factor').value === 'answer';
  for (const radio of $$('[name=factor]', f)) {
    radio.addEventListener('change', () => {
      $('#lock-by-answer').hidden = !byAnswer();
      $('#lock-by-id').hidden = byAnswer();
      f.elements.namedItem('answer').required = byAnswer();
      f.elements.namedItem('idNumber').required = !byAnswer();
    });
  }
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (k) => f.elements.namedItem(k).value.trim();
    const body = { phone: v('phone'), loginPassword: f.elements.namedItem('loginPassword').value };
    if (v('region')) body.region = v('region');
    if (byAnswer()) body.securityAnswer = { questionId: v('questionId'), answer: f.elements.namedItem('answer').value };
    else body.idNumber = v('idNumber');
    const a = await api('POST', '/v1/account/lock', body);
    if (!a.ok) return;
    f.reset();
    const s = session.get();
    if (s && samePhone(s.phone, body.phone)) frozen(a.data.status); // this session has ended too
  });
}

// ---- passkeys ----

function creationOptions(pk) {
  return {
    ...pk,
    challenge: b64urlToBytes(pk.challenge),
    user: { ...pk.user, id: b64urlToBytes(pk.user.id) },
    excludeCredentials: (pk.excludeCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
  };
}

function requestOptions(pk) {
  return {
    ...pk,
    challenge: b64urlToBytes(pk.challenge),
    allowCredentials: (pk.allowCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
  };
}

// credentialJSON is a PublicKeyCredential as JSON with base64url fields, as go-webauthn parses it.
function credentialJSON(cred) {
  const r = cred.response;
  const response = { clientDataJSON: bytesToB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = bytesToB64url(r.attestationObject);
    if (typeof r.getTransports === 'function') response.transports = r.getTransports();
  }
  if (r.authenticatorData) {
    response.authenticatorData = bytesToB64url(r.authenticatorData);
    response.signature = bytesToB64url(r.signature);
    if (r.userHandle) response.userHandle = bytesToB64url(r.userHandle);
  }
  return {
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
    response,
  };
}

// webauthnMissing says why passkeys cannot work on this page, if they cannot.
function webauthnMissing() {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    note('This browser offers no WebAuthn here.', false);
    return true;
  }
  if (/^[0-9.]+$|^\[/.test(location.hostname)) {
    // An IP address is no relying-party id: the browser would refuse every passkey.
    note('Passkeys need a domain name, not an IP address: open the console at localhost:' + location.port + '.', false);
    return true;
  }
  return false;
}

async function registerPasskey(name) {
  if (webauthnMissing()) return;
  const a = await api('POST', PASSKEY.register, undefined, { auth: true });
  if (!a.ok) return;
  const options = a.data.publicKey ? a.data : a.data.options || {};
  let cred;
  try {
    cred = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
  } catch (e) {
    note('The browser made no passkey: ' + e, false);
    return;
  }
  const done = await api('POST', PASSKEY.finish(a.data.registrationId), { name: name || 'Passkey', credential: credentialJSON(cred) }, { auth: true });
  if (done.ok) await loadPasskeys();
}

async function loadPasskeys() {
  if (!session.token()) return;
  const a = await api('GET', PASSKEY.list, undefined, { auth: true, quiet: true });
  if (!a.ok) return;
  const rows = (a.data.passkeys || []).map((p) =>
    el('tr', { dataset: { id: p.passkeyId } },
      el('td', {}, p.name || ''),
      el('td', {}, el('code', {}, String(p.passkeyId).slice(0, 12) + '…')),
      el('td', {}, when(p.createdAt)),
      el('td', {}, when(p.lastUsedAt)),
      el('td', {},
        el('button', { type: 'button', class: 'rename', onclick: () => renamePasskey(p) }, 'Rename'), ' ',
        el('button', { type: 'button', class: 'remove', onclick: () => removePasskey(p) }, 'Remove'))));
  $('#passkeys tbody').replaceChildren(...rows);
}

async function renamePasskey(p) {
  const name = prompt('New name for the passkey', p.name || '');
  if (name === null) return;
  const a = await api('PATCH', PASSKEY.item(p.passkeyId), { name }, { auth: true });
  if (a.ok) await loadPasskeys();
}

async function removePasskey(p) {
  const a = await api('DELETE', PASSKEY.item(p.passkeyId), undefined, { auth: true });
  if (a.ok) await loadPasskeys();
}

async function signInWithPasskey() {
  if (webauthnMissing()) return;
  const a = await api('POST', PASSKEY.signInOptions);
  if (!a.ok) return;
  let cred;
  try {
    const publicKey = requestOptions(a.data.publicKey);
    cred = await navigator.credentials.get(a.data.mediation ? { publicKey, mediation: a.data.mediation } : { publicKey });
  } catch (e) {
    note('The browser gave no passkey: ' + e, false);
    return;
  }
  const s = await api('POST', PASSKEY.signIn, passkeySignInBody(a.data, credentialJSON(cred)));
  if (!s.ok) return;
  keepDeviceSecret(s.data);
  session.set(s.data.sessionToken, '');
  location.hash = '#account';
}

function bindPasskeys() {
  $('#passkey-register').addEventListener('submit', (e) => {
    e.preventDefault();
    registerPasskey(e.target.elements.namedItem('name').value.trim());
  });
  $('#passkey-refresh').addEventListener('click', loadPasskeys);
  $('#passkey-signin').addEventListener('submit', (e) => {
    e.preventDefault();
    signInWithPasskey();
  });
}

// ---- pay: the payments system's part, through the console's relay to the internal API ----

// The internal API (AWS_IAM) takes SigV4-signed requests only, and a page has no secret to sign
// with: the console relays authorize, capture and void, signed by the stack with the local
// credentials, and answers what the internal API answered, with X-Console-Relayed naming the
// request it sent. X-Console-Action: pay is a header no cross-site form can send.
const PAY = {
  authorize: '/console/payments/authorize',
  settle: (id, act) => '/console/payments/' + encodeURIComponent(id) + '/' + act, // capture, void
  confirm: (id) => '/v1/payment-authorizations/' + encodeURIComponent(id) + '/confirm',
  settings: '/v1/payment-settings',
};
const pay = { accountId: '', current: null }; // current: the last answer with an authorizationId

async function loadPay() {
  if (!needSession('pay')) return;
  const a = await api('GET', '/v1/account', undefined, { auth: true, quiet: true });
  if (!a.ok) return;
  pay.accountId = a.data.accountId;
  $('#pay-overview').replaceChildren(
    el('dt', {}, 'Account'), el('dd', {}, a.data.accountId),
    el('dt', {}, 'Level'), el('dd', { id: 'pay-level' }, a.data.level || a.data.verificationLevel || '—'));
  const lines = (a.data.limits && a.data.limits.payments) || [];
  const rows = lines.map((l) => el('tr', { dataset: { currency: l.currency, window: l.window } },
    el('td', {}, l.currency), el('td', {}, l.window), el('td', {}, l.limit), el('td', { class: 'remaining' }, l.remaining)));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 4 }, 'This level accepts no payments.')));
  $('#pay-limits tbody').replaceChildren(...rows);
  const s = session.get();
  const phone = $('#pay-password [name=phone]');
  if (s && s.phone && !phone.value) phone.value = s.phone;
  await loadPaySettings();
}

// payLog appends one exchange to the page's log: who asked what, and the answer as it came.
function payLog(who, a) {
  const request = a.relayed ? `${a.method} ${a.path} → relayed as ${a.relayed}` : `${a.method} ${a.path}`;
  let body = a.text || a.error || '';
  try {
    body = JSON.stringify(JSON.parse(body), null, 2); // indented to read; nothing left out
  } catch {
    // not JSON: as it came
  }
  $('#pay-log').append(el('li', { class: a.ok ? 'ok' : 'problem', dataset: { status: String(a.status) } },
    el('span', { class: 'who' }, who), ' ', el('code', {}, request), ' → ', el('strong', {}, String(a.status || 'no answer')),
    el('pre', {}, body)));
}

// payState shows where the authorization is, and the buttons that fit it.
function payState(data) {
  if (data && data.authorizationId) pay.current = data;
  const cur = pay.current;
  $('#pay-id').textContent = cur ? cur.authorizationId : '—';
  const status = cur ? cur.status : '';
  $('#pay-status').textContent = cur ? `${cur.decision}, ${status}` : data ? data.decision + (data.reason ? ': ' + data.reason : '') : 'none yet';
  $('#pay-status').dataset.status = status || (data && data.decision) || '';
  $('#pay-confirm').hidden = status !== 'pending';
  $('#pay-stepup').hidden = !(cur && status === 'pending' && cur.decision === 'step_up_required');
  $('#pay-settle').hidden = !(status === 'pending' || status === 'approved');
  $('#pay-capture').disabled = status !== 'approved';
}

async function payAuthorize(f) {
  if (!needSession('pay')) return;
  if (!pay.accountId) await loadPay();
  const body = {
    accountId: pay.accountId,
    amount: f.elements.namedItem('amount').value.trim(),
    currency: f.elements.namedItem('currency').value,
    payee: { id: f.elements.namedItem('payeeId').value.trim(), name: f.elements.namedItem('payeeName').value.trim() },
    idempotencyKey: 'console-' + randomID(12),
    deviceId: device().id,
  };
  pay.current = null;
  const a = await api('POST', PAY.authorize, body, { headers: { 'X-Console-Action': 'pay' } });
  payLog('payments system', a);
  payState(a.ok ? a.data : null);
  if (a.ok) loadPayLimits();
}

// payConfirm sends the holder's confirmation of the current authorization with factor
// ({passkey} or {paymentPassword, verificationToken?}), stating the payment as shown.
async function payConfirm(factor) {
  const cur = pay.current;
  const body = { payment: { amount: cur.amount, currency: cur.currency, payeeId: cur.payee.id }, ...factor };
  const a = await api('POST', PAY.confirm(cur.authorizationId), body, { auth: true });
  payLog('holder', a);
  if (a.ok) {
    payState(a.data);
    loadPayLimits();
  }
  return a;
}

async function payWithPasskey() {
  const cur = pay.current;
  if (!cur || !cur.passkeyOptions || webauthnMissing()) return;
  let cred;
  try {
    cred = await navigator.credentials.get({ publicKey: requestOptions(cur.passkeyOptions) });
  } catch (e) {
    note('The browser gave no passkey: ' + e, false);
    return;
  }
  await payConfirm({ passkey: credentialJSON(cred) });
}

async function paySettle(act) {
  const cur = pay.current;
  if (!cur) return;
  const a = await api('POST', PAY.settle(cur.authorizationId, act), undefined, { headers: { 'X-Console-Action': 'pay' } });
  payLog('payments system', a);
  if (a.ok) {
    payState(a.data);
    loadPayLimits();
  }
}

// loadPayLimits refreshes what remains of each limit, quietly.
async function loadPayLimits() {
  const a = await api('GET', '/v1/account', undefined, { auth: true, quiet: true });
  if (!a.ok) return;
  for (const l of (a.data.limits && a.data.limits.payments) || []) {
    const cell = $(`#pay-limits tr[data-currency="${l.currency}"][data-window="${l.window}"] .remaining`);
    if (cell) cell.textContent = l.remaining;
  }
}

async function loadPaySettings() {
  const a = await api('GET', PAY.settings, undefined, { auth: true, quiet: true });
  if (a.ok) renderPaySettings(a.data);
}

function renderPaySettings(v) {
  const f = $('#pay-settings').elements;
  f.namedItem('passwordFree').checked = !!v.passwordFree;
  if (v.currency) f.namedItem('currency').value = v.currency;
  const per = f.namedItem('perPayment');
  per.replaceChildren(...(v.perPaymentChoices || []).map((c) => el('option', { selected: c === v.perPayment }, c)));
  f.namedItem('daily').value = v.daily || '';
  f.namedItem('daily').placeholder = 'at most ' + (v.dailyMax || '');
}

function bindPay() {
  $('#pay-authorize').addEventListener('submit', (e) => {
    e.preventDefault();
    payAuthorize(e.target);
  });
  $('#pay-passkey').addEventListener('click', payWithPasskey);
  $('#pay-password').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const factor = { paymentPassword: f.namedItem('paymentPassword').value };
    if (!$('#pay-stepup').hidden) {
      const code = f.namedItem('code').value.trim();
      if (!code || !pay.stepUpChallenge) {
        note('Nighttime protection: send a login_step_up code and fill it in, or confirm with a passkey.', false);
        return;
      }
      const token = await verifyCode(pay.stepUpChallenge, code);
      if (!token) return;
      factor.verificationToken = token;
    }
    const a = await payConfirm(factor);
    if (a.ok) for (const k of ['paymentPassword', 'code']) f.namedItem(k).value = '';
  });
  $('#pay-stepup-send').addEventListener('click', async () => {
    const phone = $('#pay-password [name=phone]').value.trim();
    if (!phone) {
      note('The code goes to the account\'s phone: fill it in.', false);
      return;
    }
    pay.stepUpChallenge = await sendCode(phone, '', 'login_step_up', $('#pay-password [name=code]'));
  });
  $('#pay-capture').addEventListener('click', () => paySettle('capture'));
  $('#pay-void').addEventListener('click', () => paySettle('void'));
  $('#pay-settings').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const on = f.namedItem('passwordFree').checked;
    const body = on
      ? { passwordFree: true, currency: f.namedItem('currency').value, perPayment: f.namedItem('perPayment').value,
        daily: f.namedItem('daily').value.trim(), paymentPassword: f.namedItem('paymentPassword').value }
      : { passwordFree: false };
    sensitive('change the password-free settings', 'PUT', PAY.settings, body, (a) => {
      f.namedItem('paymentPassword').value = '';
      renderPaySettings(a.data);
    });
  });
}

// ---- the inbox ----

// inbox shows what the stack sent, newest first. A page that asks for a code calls want(input)
// first; the "use" button of a message then fills its code into that input. Messages that came
// after want() to the number asked for are marked fresh.
const inbox = {
  messages: [],
  known: new Set(),
  waiting: null, // {input, phone, purpose, since}
  drawn: '',
  busy: false,

  want(input, phone, purpose) {
    this.waiting = { input, phone, purpose, since: new Set(this.known) };
    this.render(true);
  },
  done() {
    this.waiting = null;
    this.render(true);
  },
  use(code) {
    if (!this.waiting) return;
    const input = this.waiting.input;
    input.value = code;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.focus();
  },
  async refresh() {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await fetch('/console/inbox');
      if (!res.ok) throw new Error(res.status + ' ' + (await res.text()));
      this.messages = (await res.json()).messages;
      this.known = new Set(this.messages.map((m) => m.id));
      $('#inbox-error').hidden = true;
    } catch (e) {
      $('#inbox-error').hidden = false;
      $('#inbox-error').textContent = 'The inbox could not be read: ' + e.message;
    } finally {
      this.busy = false;
    }
    this.render();
  },
  fresh(m) {
    const w = this.waiting;
    if (!w || w.since.has(m.id)) return false;
    const asked = digits(w.phone).replace(/^0+/, '');
    return asked.length < 4 || digits(m.to).endsWith(asked);
  },
  render(force = false) {
    const reveal = $('#inbox-reveal').checked;
    const filter = $('#inbox-filter').value.trim().toLowerCase();
    const filterDigits = digits(filter);
    const shown = this.messages
      .filter((m) => !filter || m.text.toLowerCase().includes(filter) || m.to.toLowerCase().includes(filter) ||
        (m.subject || '').toLowerCase().includes(filter) ||
        (filterDigits.length >= 3 && digits(m.to).includes(filterDigits)))
      .slice(0, 50);
    const w = this.waiting;
    const key = [reveal, filter, w ? [...w.since].length + w.phone : '', shown.map((m) => m.id).join()].join('|');
    if (!force && key === this.drawn) return;
    this.drawn = key;
    $('#inbox-waiting').textContent = w ? `Waiting for a ${w.purpose} code: "use" fills it in.` : '';
    const items = shown.map((m) => {
      const actions = el('div', { class: 'actions' });
      for (const code of m.codes) {
        actions.append(el('button', {
          type: 'button', class: 'use', dataset: { code }, disabled: !w,
          title: w ? 'Fill this code in' : 'No page is waiting for a code',
          onclick: () => this.use(code),
        }, 'Use ' + code));
      }
      for (const link of m.links) {
        let url = null;
        try {
          url = new URL(link);
        } catch {
          continue;
        }
        if (url.pathname.startsWith('/f/')) {
          // A freeze link names the wallet's own site; its page is served here, locally.
          actions.append(el('a', { class: 'open', href: url.pathname }, 'Open the freeze page here'));
        }
      }
      return el('li', { class: 'msg' + (this.fresh(m) ? ' fresh' : ''), dataset: { id: m.id, channel: m.channel, to: reveal ? m.to : undefined } },
        el('div', { class: 'meta' },
          el('span', { class: 'channel' }, m.channel),
          el('span', { class: 'to' }, reveal ? m.to : m.toMasked),
          el('time', { datetime: m.at }, new Date(m.at).toLocaleTimeString())),
        ...(m.subject ? [el('p', { class: 'subject' }, m.subject)] : []), // an email's
        el('p', { class: 'text' }, m.text),
        actions);
    });
    if (!shown.length) items.push(el('li', { class: 'empty' }, this.messages.length ? 'Nothing matches the filter.' : 'Nothing sent yet.'));
    $('#inbox-list').replaceChildren(...items);
  },
};

// ---- pages ----

// Each view is a section #view-<name>, shown at #<name>, with its link in the nav.
const views = ['signup', 'signin', 'account', 'security', 'profile', 'email', 'activity', 'passkeys', 'pay', 'lock'];

// The loader of a view, run each time it is shown.
const loaders = {
  account: loadAccount,
  security: loadSecurity,
  profile: loadProfile,
  email: loadEmail,
  activity: () => loadActivity(),
  passkeys: loadPasskeys,
  pay: loadPay,
  lock: loadLock,
};

function currentView() {
  const name = location.hash.replace(/^#/, '');
  if (views.includes(name)) return name;
  return session.token() ? 'account' : 'signup';
}

function show() {
  const name = currentView();
  for (const v of views) $('#view-' + v).hidden = v !== name;
  if (reauth.pending && reauth.pending.view !== name) reauth.pending = null; // left behind
  renderReauth();
  for (const a of $$('nav a')) a.classList.toggle('current', a.getAttribute('href') === '#' + name);
  if (name === 'signin') {
    const s = session.get();
    if (s && s.phone && !$('#signin-form [name=phone]').value) $('#signin-form [name=phone]').value = s.phone;
  }
  if (loaders[name]) loaders[name]();
}

function bindDevice() {
  $('#device-form').addEventListener('submit', (e) => {
    e.preventDefault();
    saveDevice({ ...device(), name: e.target.elements.namedItem('name').value.trim() });
    note('This device is now called "' + device().name + '".');
  });
  $('#device-new').addEventListener('click', () => {
    localStorage.removeItem(STORE.device);
    saveDevice({ ...device(), name: $('#device-form [name=name]').value.trim() || 'Local console' });
    note('This browser is a new device now: its next sign-in needs a step-up code.');
  });
}

function start() {
  bindSignup();
  bindSignin();
  bindAccount();
  bindReauth();
  bindSecurity();
  bindProfile();
  bindEmail();
  bindActivity();
  bindPasskeys();
  bindPay();
  bindLock();
  bindDevice();
  // The inbox's settings last as long as the tab, as the session does.
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE.inbox) || '{}');
    $('#inbox-reveal').checked = !!saved.reveal;
    $('#inbox-filter').value = saved.filter || '';
  } catch {
    // none kept
  }
  const keep = () => {
    sessionStorage.setItem(STORE.inbox, JSON.stringify({ reveal: $('#inbox-reveal').checked, filter: $('#inbox-filter').value }));
    inbox.render(true);
  };
  $('#inbox-reveal').addEventListener('change', keep);
  $('#inbox-filter').addEventListener('input', keep);
  window.addEventListener('hashchange', show);
  renderDevice();
  renderWhoami();
  show();
  inbox.refresh();
  setInterval(() => {
    if (!document.hidden) inbox.refresh();
  }, 1000);
}

start();
