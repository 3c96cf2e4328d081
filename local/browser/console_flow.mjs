// The console's main flow in a real browser (Debian's chromium, driven by playwright-core over
// CDP): sign up taking the codes from the inbox with one click, sign out, sign in again from a
// new device identity with the step-up code, list and remove devices, reauthenticate and change
// the login password on the Security page (the old one is then refused, the new one signs in),
// page through the Activity list, register a passkey (a CDP virtual authenticator answers), sign
// out and sign in with it, on the Pay page ask the internal API (through the console's relay) to
// authorize 12.34 CNY, confirm it with the passkey and capture it, open the freeze link of the new-device alert (its GET freezes
// nothing), press the page's button, and see sign-in refused because the account is frozen.
// Then a second account, signed up in the same page, binds an email with the code from the inbox
// and reports its account_created entry ("This
// wasn't me"): the report freezes it, as the freeze link froze the first, and signs it out.
// browser_test.go runs it under `make test`; one browser, one page.
//
// Environment: CONSOLE_URL (http://localhost:<port>, not 127.0.0.1: WebAuthn needs a domain
// name), CHROMIUM (the browser), SHOTS (a folder for one screenshot per step), PROFILE (an empty
// folder: the browser's fresh --user-data-dir).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';


const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(name + ' is not set');
  return v;
};
const base = need('CONSOLE_URL');
const shots = need('SHOTS');

// A new Chinese mobile number: its digits, E.164 and as a person types it.
function newPhone() {
  const local = '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
  return { local, e164: '+86' + local, spaced: `+86 ${local.slice(0, 3)} ${local.slice(3, 7)} ${local.slice(7)}` };
}
// The first account's phone; the second account (the activity report) has its own.
const { local, e164, spaced } = newPhone();
const second = newPhone();
// The login password, and the one the Security page changes it to: every sign-in after the
// change uses newPassword.
const password = 'violet-harbor-seventy-2';
const newPassword = 'amber-lantern-forty-7';
// A payment password that is no part of either number.
let paymentPassword = '295071';
while (local.includes(paymentPassword) || second.local.includes(paymentPassword)) {
  paymentPassword = String(100000 + Math.floor(Math.random() * 900000));
}

const started = Date.now();
const problems = []; // uncaught page errors, refused loads
let page;
let shot = 0;

// step runs one step and saves a screenshot of where it ends (or of where it failed).
async function step(name, fn) {
  const t0 = Date.now();
  const file = () => path.join(shots, `${String(++shot).padStart(2, '0')}-${name}.png`);
  try {
    await fn();
  } catch (e) {
    await page.screenshot({ path: file().replace(/\.png$/, '-FAILED.png'), fullPage: true }).catch(() => {});
    throw new Error(`step ${name}: ${e.message}\nlast answer on the page: ${await lastAnswer()}`);
  }
  await page.screenshot({ path: file(), fullPage: true });
  console.log(`step ${name}: ${Date.now() - t0} ms`);
}

async function lastAnswer() {
  return page.locator('#answer').innerText({ timeout: 500 }).catch(() => '(none)');
}

// answered waits until the page shows the answer of a request: its status, and its problem code;
// and, given request ("PUT /v1/account/login-password"), that it answers that request.
async function answered(status, code = '', request = '') {
  await page.locator(`#answer[data-status="${status}"][data-code="${code}"]`, { hasText: request }).waitFor();
}

// useCode presses "use" on the inbox's newest fresh message to the number: a message that
// arrived after the page asked for the code.
async function useCode(to = e164) {
  await page.locator(`#inbox li.msg.fresh[data-to="${to}"] button.use`).first().click();
}

// signInForm sends the sign-in form.
async function signInForm(phone, pw) {
  await page.fill('#signin-form [name=phone]', phone);
  await page.fill('#signin-form [name=password]', pw);
  await page.click('#signin-form button');
}

async function signedIn(yes) {
  await page.locator(`#whoami[data-state="${yes ? 'signed-in' : 'signed-out'}"]`).waitFor();
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  // playwright adds --headless and the --user-data-dir (PROFILE, fresh) itself.
  const context = await chromium.launchPersistentContext(need('PROFILE'), {
    executablePath: need('CHROMIUM'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    // A virtual passkey authenticator, so navigator.credentials answers without a person.
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await flow();
  } finally {
    await context.close();
  }
  if (problems.length) throw new Error('the page had problems:\n' + problems.join('\n'));
}

async function flow() {
  await step('console', async () => {
    await page.goto(base + '/');
    await page.locator('#view-signup').waitFor();
    await page.check('#inbox-reveal');
    await page.fill('#inbox-filter', local); // the stack is shared with other tests: only ours
  });

  await signUpSteps({ local, e164, spaced });

  await step('signed-out', async () => {
    await page.click('#signout');
    await answered(204);
    await signedIn(false);
    await page.locator('#view-signin').waitFor();
  });

  // A new device identity: the sign-in needs a step-up code, and the account hears of it by an
  // alert SMS with a freeze link.
  await step('sign-in-new-device', async () => {
    await page.click('#device-new');
    await page.fill('#signin-form [name=phone]', spaced);
    await page.fill('#signin-form [name=password]', password);
    await page.click('#signin-form button');
    await Promise.race([signedIn(true), page.locator('#signin-stepup').waitFor()]);
  });

  if (await page.locator('#signin-stepup').isVisible()) {
    await step('step-up-code-from-inbox', async () => {
      await page.click('#stepup-send');
      await answered(202);
      await useCode();
      await page.click('#signin-stepup button[type=submit], #signin-stepup button:not([type])');
    });
  }

  await step('signed-in-devices', async () => {
    await signedIn(true);
    await page.locator('#account-status', { hasText: 'active' }).waitFor();
    await page.locator('#devices tbody tr').nth(1).waitFor(); // the signup's device and this one
  });

  await step('device-removed', async () => {
    await page.click('#devices tr[data-current="false"] button.remove');
    await answered(204);
    await page.locator('#devices tr[data-current="false"]').waitFor({ state: 'detached' });
  });

  await securitySteps();
  await activityPaged();
  await passkeySteps();
  await paySteps();
  await freezeLinkOpened();
  await freezeLinkPressed();

  // The right password, so the refusal is the freeze's (a wrong one answers wrong_password).
  await step('sign-in-refused-frozen', async () => {
    await page.goto(base + '/#signin');
    await signInForm(spaced, newPassword);
    await answered(403, 'account_frozen');
  });

  await reportSteps();
}

// signUpSteps signs up who ({local, e164, spaced}) with the codes from the inbox; the steps of
// a second signup are named with its prefix.
async function signUpSteps(who, prefix = '') {
  await step(prefix + 'signup-code-from-inbox', async () => {
    await page.fill('#signup-send [name=phone]', who.spaced);
    await page.click('#signup-send button');
    await answered(202);
    await useCode(who.e164);
    await page.click('#signup-verify button');
    await answered(200);
  });

  await step(prefix + 'signup-details', async () => {
    await page.locator('#signup-questions select').nth(2).waitFor();
    for (const [i, answer] of ['Riverside Primary', 'Mochi', 'Elm Road'].entries()) {
      await page.fill(`#signup-create [name=answer${i}]`, answer);
    }
    await page.fill('#signup-create [name=loginPassword]', password);
    await page.fill('#signup-create [name=paymentPassword]', paymentPassword);
    await page.fill('#signup-create [name=deviceName]', 'Browser test');
  });

  await step(prefix + 'signed-up', async () => {
    await page.click('#signup-create button');
    await answered(201);
    await signedIn(true);
    await page.locator('#account-status', { hasText: 'active' }).waitFor();
  });
}

// The session is fresh from its sign-in (a stale one takes 5 minutes), so the change would pass
// without the reauthentication; the flow does it as a holder would, then the change.
async function securitySteps() {
  await step('security-reauthenticated', async () => {
    await page.goto(base + '/#security');
    await page.fill('#reauth [name=password]', password);
    await page.click('#reauth button:not([type])');
    await answered(204, '', 'POST /v1/sessions/current/reauthenticate');
  });
  await step('login-password-changed', async () => {
    await page.fill('#login-password-form [name=currentPassword]', password);
    await page.fill('#login-password-form [name=newPassword]', newPassword);
    await page.fill('#login-password-form [name=newPasswordAgain]', newPassword);
    await page.click('#login-password-form button');
    await answered(204, '', 'PUT /v1/account/login-password');
    await signedIn(true); // the change keeps this session
  });
  await step('old-password-refused', async () => {
    await page.goto(base + '/#account');
    await page.click('#signout');
    await signedIn(false);
    await signInForm(spaced, password);
    await answered(401, 'invalid_credentials');
  });
  await step('signed-in-new-password', async () => {
    await signInForm(spaced, newPassword);
    // This device is known now; only the account's nighttime window would ask for a code.
    await Promise.race([signedIn(true), page.locator('#signin-stepup').waitFor()]);
    if (await page.locator('#signin-stepup').isVisible()) {
      await page.click('#stepup-send');
      await answered(202);
      await useCode();
      await page.click('#signin-stepup button:not([type])');
    }
    await signedIn(true);
    await page.locator('#account-status', { hasText: 'active' }).waitFor();
  });
}

// activityPaged lists the activity two entries a page, with "Load more" until the last page.
async function activityPaged() {
  await step('activity-paged', async () => {
    await page.goto(base + '/#activity');
    await page.locator('#activity[data-pages="1"]').waitFor();
    await page.fill('#activity-limit', '2');
    await page.press('#activity-limit', 'Tab'); // a change of the page size loads the first page again
    await page.waitForFunction(() => document.querySelectorAll('#activity tbody tr').length === 2);
    for (let pages = 1; await page.locator('#activity-more').isVisible(); pages++) {
      if (pages > 20) throw new Error('more than 20 pages of activity');
      await page.click('#activity-more');
      await page.locator(`#activity[data-pages="${pages + 1}"]`).waitFor();
    }
    for (const type of ['account_created', 'new_device_login', 'password_changed']) {
      await page.locator(`#activity tbody tr[data-type="${type}"]`).first().waitFor();
    }
  });
}

// reportSteps: a second account, from a device new to the stack, reports its account_created
// entry. The first account is frozen by now (its freeze link), so the report needs one of its
// own to freeze.
async function reportSteps() {
  await step('second-console', async () => {
    await page.goto(base + '/#signup');
    await page.click('#device-new');
    await page.fill('#inbox-filter', second.local);
  });
  await signUpSteps(second, 'second-');
  const address = `browser.${second.local}@example.com`;
  await step('second-email-bound', async () => {
    await page.goto(base + '/#email');
    await page.fill('#inbox-filter', address);
    await page.fill('#email-send [name=email]', address);
    await page.click('#email-send button');
    await answered(202, '', '/v1/account/email');
    await useCode(address);
    await page.click('#email-verify button');
    await answered(200, '', '/verify');
    await page.locator('#email-overview', { hasText: 'verified: it signs in' }).waitFor();
    await page.fill('#inbox-filter', second.local);
  });
  await step('second-activity', async () => {
    await page.goto(base + '/#activity');
    await page.locator('#activity tbody tr[data-type="account_created"] button.report').waitFor();
  });
  await step('second-this-was-not-me', async () => {
    const row = page.locator('#activity tbody tr[data-type="account_created"]');
    await row.locator('button.report').click();
    await row.locator('button.report-confirm').click();
    await answered(200, '', '/report');
    await signedIn(false); // every session has ended, this one too
    await page.locator('#activity-frozen').waitFor();
    await row.locator('.reported').waitFor();
  });
  await step('second-sign-in-refused-frozen', async () => {
    await page.goto(base + '/#signin');
    await signInForm(second.spaced, password);
    await answered(403, 'account_frozen');
  });
}

async function passkeySteps() {
  await step('passkey-registered', async () => {
    await page.goto(base + '/#passkeys');
    await page.fill('#passkey-register [name=name]', 'Virtual authenticator');
    await page.click('#passkey-register button');
    await page.locator('#passkeys tbody tr', { hasText: 'Virtual authenticator' }).waitFor();
  });
  await step('passkey-signed-out', async () => {
    await page.goto(base + '/#account');
    await page.click('#signout');
    await signedIn(false);
  });
  await step('passkey-signed-in', async () => {
    await page.goto(base + '/#passkeys');
    await page.click('#passkey-signin button');
    await signedIn(true);
    await page.locator('#account-status', { hasText: 'active' }).waitFor();
  });
}

// paySteps play the payments system on the Pay page: 12.34 CNY asked for through the console's
// relay waits for the holder (no password-free payments are on), the passkey confirms it, and the
// capture settles it; what remains of the phone level's CNY limit (1000, lifetime) goes down.
async function paySteps() {
  await step('pay-asked', async () => {
    await page.goto(base + '/#pay');
    const remaining = page.locator('#pay-limits tr[data-currency="CNY"][data-window="lifetime"] .remaining');
    await remaining.waitFor();
    const before = Number(await remaining.innerText());
    await page.fill('#pay-authorize [name=amount]', '12.34');
    await page.selectOption('#pay-authorize [name=currency]', 'CNY');
    await page.click('#pay-authorize button');
    await page.locator('#pay-status[data-status="pending"]').waitFor();
    await page.locator('#pay-log li[data-status="200"]', { hasText: 'relayed as POST /internal/v1/payment-authorizations' }).waitFor();
    await page.waitForFunction((want) => document.querySelector(
      '#pay-limits tr[data-currency="CNY"][data-window="lifetime"] .remaining').textContent === want, (before - 12.34).toFixed(2));
  });
  await step('pay-confirmed-passkey', async () => {
    await page.click('#pay-passkey');
    await answered(200, '', '/confirm');
    await page.locator('#pay-status[data-status="approved"]').waitFor();
  });
  await step('pay-captured', async () => {
    await page.click('#pay-capture');
    await page.locator('#pay-status[data-status="captured"]').waitFor();
    await page.locator('#pay-log li[data-status="200"]', { hasText: '/capture' }).waitFor();
  });
}

// The landing page's markup is its builder's: these steps assume one form with one button.
// newDeviceAlert is the new-device alert's link in the inbox (the password change texts one too).
const newDeviceAlert = () => page.locator(`#inbox li.msg[data-to="${e164}"]`, { hasText: 'new device' }).locator('a.open').first();

async function freezeLinkOpened() {
  await step('freeze-link-opened', async () => {
    await newDeviceAlert().click();
    await page.waitForURL(/\/f\//);
    await page.locator('form button').waitFor();
  });
  await step('freeze-link-did-not-freeze', async () => {
    await page.goBack();
    await page.goto(base + '/#account');
    await page.locator('#account-status', { hasText: 'active' }).waitFor();
  });
}

async function freezeLinkPressed() {
  await step('freeze-link-pressed', async () => {
    await page.goto(base + '/');
    await newDeviceAlert().click();
    await page.waitForURL(/\/f\//);
    await page.click('form button');
    await page.locator('form').waitFor({ state: 'detached' }); // the answer page has no button
    await page.getByText(/frozen/i).first().waitFor();
  });
}

main().then(
  () => console.log(`console flow passed in ${Date.now() - started} ms; screenshots in ${shots}`),
  (e) => {
    console.error(e.stack || String(e));
    process.exitCode = 1;
  },
);
