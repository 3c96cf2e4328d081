// The console's main flow in a real browser (Debian's chromium, driven by playwright-core over
// CDP): sign up taking the codes from the inbox with one click, sign out, sign in again from a
// new device identity with the step-up code, list and remove devices, register a passkey (a CDP
// virtual authenticator answers), sign out and sign in with it, open the freeze link of the
// new-device alert (its GET freezes nothing), press the page's button, and see sign-in refused
// because the account is frozen. browser_test.go runs it under `make test`; one browser, one
// page.
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

// A new Chinese mobile number, and a payment password that is no part of it.
const local = '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
const e164 = '+86' + local;
const spaced = `+86 ${local.slice(0, 3)} ${local.slice(3, 7)} ${local.slice(7)}`;
const password = 'violet-harbor-seventy-2';
let paymentPassword = '295071';
while (local.includes(paymentPassword)) paymentPassword = String(100000 + Math.floor(Math.random() * 900000));

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

// answered waits until the page shows the answer of a request: its status, and its problem code.
async function answered(status, code = '') {
  await page.locator(`#answer[data-status="${status}"][data-code="${code}"]`).waitFor();
}

// useCode presses "use" on the inbox's newest fresh message to the test's number: a message that
// arrived after the page asked for the code.
async function useCode() {
  await page.locator(`#inbox li.msg.fresh[data-to="${e164}"] button.use`).first().click();
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

  await step('signup-code-from-inbox', async () => {
    await page.fill('#signup-send [name=phone]', spaced);
    await page.click('#signup-send button');
    await answered(202);
    await useCode();
    await page.click('#signup-verify button');
    await answered(200);
  });

  await step('signup-details', async () => {
    await page.locator('#signup-questions select').nth(2).waitFor();
    for (const [i, answer] of ['Riverside Primary', 'Mochi', 'Elm Road'].entries()) {
      await page.fill(`#signup-create [name=answer${i}]`, answer);
    }
    await page.fill('#signup-create [name=loginPassword]', password);
    await page.fill('#signup-create [name=paymentPassword]', paymentPassword);
    await page.fill('#signup-create [name=deviceName]', 'Browser test');
  });

  await step('signed-up', async () => {
    await page.click('#signup-create button');
    await answered(201);
    await signedIn(true);
    await page.locator('#account-status', { hasText: 'active' }).waitFor();
  });

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

  await passkeySteps();
  await freezeLinkOpened();
  await freezeLinkPressed();

  await step('sign-in-refused-frozen', async () => {
    await page.goto(base + '/#signin');
    await page.fill('#signin-form [name=phone]', spaced);
    await page.fill('#signin-form [name=password]', password);
    await page.click('#signin-form button');
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

// The landing page's markup is its builder's: these steps assume one form with one button.
async function freezeLinkOpened() {
  await step('freeze-link-opened', async () => {
    await page.locator(`#inbox li.msg[data-to="${e164}"] a.open`).first().click();
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
    await page.locator(`#inbox li.msg[data-to="${e164}"] a.open`).first().click();
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
