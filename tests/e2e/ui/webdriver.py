"""A WebDriver client of Debian's chromedriver driving its headless Chromium: the W3C WebDriver
protocol (https://www.w3.org/TR/webdriver2/) over HTTP with the standard library, what the ui
tests and bench/ui.sh use. No browser is downloaded: the one Debian installs is driven."""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

# Debian's chromium-headless-shell: the /usr/bin/chromium wrapper does not exec, which leaves
# its browser behind when a session ends.
BROWSERS = ["/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self, width=1280, height=900):
        driver = "/usr/bin/chromedriver"
        browser = next((b for b in BROWSERS if os.access(b, os.X_OK)), None)
        if not os.access(driver, os.X_OK) or browser is None:
            raise WebDriverError("chromium-driver and chromium-headless-shell are needed "
                                 "(scripts/install-deps.sh test)")
        self.port = free_port()
        self.driver = subprocess.Popen([driver, f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline:
                self.driver.kill()
                raise WebDriverError("chromedriver did not start within 20 s")
            time.sleep(0.05)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--hide-scrollbars"]
        session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": {"binary": browser, "args": args}}}})
        self.session = f"/session/{session['sessionId']}"

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read() or b"{}")
            value = answer.get("value", {})
            raise WebDriverError(f"{method} {path}: {value.get('error')}: "
                                 f"{value.get('message', '').splitlines()[0:1]}") from None
        return answer.get("value")

    def close(self):
        try:
            self._call("DELETE", self.session)
        except (OSError, WebDriverError, AttributeError):
            pass
        self.driver.terminate()
        try:
            self.driver.wait(10)
        except subprocess.TimeoutExpired:
            self.driver.kill()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def open(self, url):
        self._call("POST", f"{self.session}/url", {"url": url})

    def run(self, script, *args):
        """The value of a function body run in the page (`return ...`)."""
        return self._call("POST", f"{self.session}/execute/sync",
                          {"script": script, "args": list(args)})

    def wait(self, expression, seconds=20, what=None):
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + seconds
        while True:
            value = self.run(f"return ({expression});")
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {seconds} s waiting for "
                                     f"{what or expression}")
            time.sleep(0.05)

    def click(self, css):
        found = self._call("POST", f"{self.session}/element",
                           {"using": "css selector", "value": css})
        self._call("POST", f"{self.session}/element/{found[ELEMENT]}/click", {})

    def dialog_text(self):
        return self._call("GET", f"{self.session}/alert/text")

    def accept_dialog(self):
        self._call("POST", f"{self.session}/alert/accept", {})

    def back(self):
        self._call("POST", f"{self.session}/back", {})

    def resize(self, width, height):
        self._call("POST", f"{self.session}/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        png = base64.b64decode(self._call("GET", f"{self.session}/screenshot"))
        with open(path, "wb") as out:
            out.write(png)
        return path
