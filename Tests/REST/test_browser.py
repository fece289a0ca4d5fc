"""The web app in a real headless Chromium (Debian's, through Selenium and Debian's chromedriver; nothing
downloads a browser): sign in with the mailed code, see the wallet, run a Job Pack, download its PDF,
see the insufficient-credits message, sign in with Google (through the stand-in), and top up a student as
an admin. Screenshots go to .build/rest-artifacts/."""
import os
import pathlib
import shutil
import subprocess
import time

import pytest
from conftest import BIN
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / ".build" / "rest-artifacts"


@pytest.fixture(scope="module")
def stack(sqlite_stack):
    """SQLite only: this suite tests the adapter and the pages; test_rest_http.py covers both engines."""
    return sqlite_stack


@pytest.fixture()
def browser(tmp_path):
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "Debian's chromium and chromium-driver must be installed (scripts/test.sh does)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=390,900", "--disable-gpu"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.downloads = tmp_path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def label(driver, text):
    """The control a visible <label> names, as a person finds it."""
    quoted = f'"{text}"' if "'" in text else f"'{text}'"
    node = driver.find_element(By.XPATH, f"//label[normalize-space()={quoted}]")
    return driver.find_element(By.ID, node.get_attribute("for"))


def button(driver, text):
    return next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.is_displayed() and b.text == text)


def test_sign_in_run_a_job_pack_and_download_the_pdf(stack, browser):
    wait = WebDriverWait(browser, 60)
    sign_in(stack, browser, "browser@demo.edu")
    assert browser.find_element(By.ID, "silver").text == "10"
    browser.save_screenshot(str(ARTIFACTS / "wallet.png"))

    browser.find_element(By.LINK_TEXT, "Job Pack").click()
    wait.until(EC.visibility_of_element_located((By.ID, "jp-title")))
    label(browser, "Job title").send_keys("Data Analyst Intern")
    label(browser, "Company").send_keys("Acme")
    label(browser, "Job description").send_keys("SQL, Python and dashboards for the sales team.")
    label(browser, "Resume").send_keys("Built a Python dashboard for the student union budget.")
    assert "silver" in browser.find_element(By.ID, "jp-cost").text
    button(browser, "Start").click()
    wait.until(lambda d: d.find_element(By.ID, "run-status").text == "succeeded")
    result = browser.find_element(By.ID, "run-result").text
    for heading in ("Resume bullets", "Cover letter", "Interview questions"):
        assert heading in result, result
    assert "[object Object]" not in result and "{" not in result, "laid out, not raw JSON: " + result[:300]
    link = wait.until(EC.visibility_of_element_located((By.LINK_TEXT, "Download PDF")))
    browser.save_screenshot(str(ARTIFACTS / "run.png"))
    link.click()
    pdf = wait.until(lambda d: next((p for p in d.downloads.glob("*.pdf")), None))
    wait.until(lambda d: pdf.read_bytes().startswith(b"%PDF"))


def sign_in(stack, browser, email):
    wait = WebDriverWait(browser, 60)
    browser.get(f"http://demo.localhost:{stack.port}/")
    wait.until(EC.visibility_of_element_located((By.ID, "email")))
    label(browser, "Email").send_keys(email)
    started = time.time() - 1
    button(browser, "Send code").click()
    wait.until(EC.visibility_of_element_located((By.ID, "code")))
    label(browser, "Code").send_keys(stack.latest_code(email, after=started))
    button(browser, "Sign in").click()
    wait.until(lambda d: d.find_element(By.ID, "silver").text != "0")


def test_insufficient_credits_is_shown_next_to_the_form(stack, browser):
    sign_in(stack, browser, "broke@demo.edu")
    session = next(c["value"] for c in browser.get_cookies() if c["name"] == "careerai_session")
    auth = {"Authorization": "Bearer " + session}
    resume = "Built a Python dashboard for the student union budget. Taught SQL to 40 first-years. Led a team of 4 in a hackathon."
    job = {"jobTitle": "Intern", "company": "Acme", "jobDescription": "Python and SQL.", "resumeText": resume}
    for _ in range(30):
        if stack.request("POST", "/v1/runs/job-pack", headers=auth, json=job).status_code != 200:
            break
    wait = WebDriverWait(browser, 60)
    browser.get(f"http://demo.localhost:{stack.port}/#/job-pack")
    wait.until(EC.visibility_of_element_located((By.ID, "jp-title")))
    label(browser, "Job title").send_keys("Intern")
    label(browser, "Company").send_keys("Acme")
    label(browser, "Job description").send_keys("Python and SQL.")
    label(browser, "Resume").send_keys(resume)
    button(browser, "Start").click()
    message = wait.until(lambda d: d.find_element(By.ID, "job-pack-error").text)
    assert "Not enough" in message and "needs" in message, message
    browser.save_screenshot(str(ARTIFACTS / "insufficient-credits.png"))


def test_sign_in_with_google_through_the_stand_in(stack, browser):
    # The button shows because the server offers Google sign-in; Chromium follows the whole redirect
    # chain: the adapter, Google's consent screen (the stand-in), the callback with PKCE, the wallet.
    wait = WebDriverWait(browser, 60)
    browser.get(f"http://demo.localhost:{stack.port}/")
    google = wait.until(EC.visibility_of_element_located((By.LINK_TEXT, "Sign in with Google")))
    google.click()
    wait.until(lambda d: d.find_element(By.ID, "silver").text != "0")
    assert browser.current_url.endswith("/#/wallet")
    assert any(c["name"] == "careerai_session" and c["httpOnly"] for c in browser.get_cookies())
    session = next(c["value"] for c in browser.get_cookies() if c["name"] == "careerai_session")
    me = stack.request("GET", "/v1/me", headers={"Authorization": "Bearer " + session}).json()
    assert me["email"] == "student@demo.edu" and me["googleId"] == "g-student@demo.edu"
    browser.save_screenshot(str(ARTIFACTS / "google-sign-in.png"))


def test_an_admin_tops_up_a_student_by_email(stack, browser):
    student = stack.sign_in("prized@demo.edu").json()
    sign_in(stack, browser, "registrar@demo.edu")
    promoted = subprocess.run(
        [f"{BIN}/careerai-server", "user", "promote", "--email", "registrar@demo.edu", "--role", "university_admin"],
        env=dict(os.environ, CAREERAI_DATABASE_URL=stack.database_url), capture_output=True, timeout=60)
    assert promoted.returncode == 0, promoted.stderr
    # The page learns the new role when it loads /v1/me again; the server caches roles for 1 s.
    wait = WebDriverWait(browser, 60)
    for _ in range(10):
        browser.refresh()
        try:
            WebDriverWait(browser, 3).until(EC.visibility_of_element_located((By.LINK_TEXT, "Top up"))).click()
            break
        except TimeoutException:
            continue
    else:
        raise AssertionError("the Top up link never showed for the promoted admin")
    label(browser, "Student's email or user id").send_keys("prized@demo.edu")
    Select(label(browser, "Currency")).select_by_visible_text("gold")
    label(browser, "Amount").send_keys("3")
    label(browser, "Reason").send_keys("Hackathon winner")
    button(browser, "Top up").click()
    done = wait.until(lambda d: d.find_element(By.ID, "topup-done").text)
    assert "5 gold" in done, done  # 2 to start with, 3 more
    browser.save_screenshot(str(ARTIFACTS / "admin-top-up.png"))
    auth = {"Authorization": "Bearer " + student["token"]}
    assert stack.request("GET", "/v1/wallet", headers=auth).json()["gold"] == 5


def test_a_skill_map_is_laid_out(stack, browser):
    sign_in(stack, browser, "mapper@demo.edu")
    wait = WebDriverWait(browser, 60)
    browser.find_element(By.LINK_TEXT, "Skill Mapper").click()
    profile = wait.until(EC.visibility_of_element_located((By.ID, "sm-profile")))
    profile.send_keys("Statistics student. Python, SQL and Tableau; led the data team of the student union.")
    browser.find_element(By.ID, "sm-resume").send_keys(
        "Built a Python dashboard for the student union budget. Taught SQL to 40 first-years.")
    assert "gold" in browser.find_element(By.ID, "sm-cost").text
    next(b for b in browser.find_elements(By.CSS_SELECTOR, "#skill-form button[type=submit]")).click()
    wait.until(lambda d: d.find_element(By.ID, "run-status").text in ("succeeded", "failed"))
    assert browser.find_element(By.ID, "run-status").text == "succeeded", browser.find_element(By.ID, "run-error").text
    result = browser.find_element(By.ID, "run-result").text
    for heading in ("Your skills", "Learning plan"):
        assert heading in result, result
    assert "{" not in result and "[object Object]" not in result, result[:300]
    assert not browser.find_element(By.ID, "run-pdf").is_displayed(), "Skill Mapper has no PDF"
    browser.save_screenshot(str(ARTIFACTS / "skill-map.png"))

