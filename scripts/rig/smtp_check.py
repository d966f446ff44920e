"""Checks of the rig's SMTP sink (run with Debian's /usr/bin/python3 by scripts/rig.sh).

  smtp_check.py probe HOST PORT            EHLO answers and STARTTLS is offered
  smtp_check.py send  HOST PORT MAILDIR CA send one UTF-8 mail over STARTTLS (certificate verified against CA),
                                           find it as one file in MAILDIR/new, check it decodes, delete it
"""
import email
import email.policy
import os
import smtplib
import ssl
import sys
import time
import uuid
from email.message import EmailMessage


def probe(host, port):
    with smtplib.SMTP(host, int(port), timeout=5) as s:
        code, _ = s.ehlo("rig-check")
        if code != 250 or not s.has_extn("starttls"):
            sys.exit(f"smtp probe: EHLO {code}, STARTTLS offered: {s.has_extn('starttls')}")


def send(host, port, maildir, ca):
    token = uuid.uuid4().hex
    msg = EmailMessage()
    msg["From"] = "VmManager <noreply@school.test>"
    msg["To"] = "Alice Dupré <alice@school.test>"
    msg["Subject"] = f"Réinitialisation du mot de passe — rig {token}"
    msg.set_content("Bonjour Alice Dupré,\nçàèéêëîïôœùû ✓\n", charset="utf-8")
    new = os.path.join(maildir, "new")
    before = set(os.listdir(new)) if os.path.isdir(new) else set()
    with smtplib.SMTP(host, int(port), timeout=5) as s:
        s.starttls(context=ssl.create_default_context(cafile=ca))
        s.send_message(msg)
    deadline = time.time() + 5
    while time.time() < deadline:
        added = set(os.listdir(new)) - before if os.path.isdir(new) else set()
        for name in added:
            path = os.path.join(new, name)
            with open(path, "rb") as f:
                got = email.message_from_binary_file(f, policy=email.policy.default)
            if token in str(got["Subject"]):
                body = got.get_content()
                if "Alice Dupré" not in body or "çàèéêëîïôœùû ✓" not in body or "Dupré" not in str(got["To"]):
                    sys.exit(f"smtp send: mail {path} did not decode to the UTF-8 text sent")
                os.unlink(path)  # leave the Maildir as the tests expect it: only their own mails
                return
        time.sleep(0.05)
    sys.exit(f"smtp send: no new file in {new} within 5 s")


if __name__ == "__main__":
    {"probe": probe, "send": send}[sys.argv[1]](*sys.argv[2:])
