"""Media on S3-compatible storage (django-storages), for several app servers without a shared
volume: chosen by ANCHA_S3_BUCKET, and the product's own uploads and downloads go through it."""

import hashlib
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspection.models import Evidence
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__name__, getattr(s, 'bucket_name', '-'), getattr(s, 'endpoint_url', '-'), "
    "getattr(s, 'default_acl', '-'), getattr(s, 'file_overwrite', '-'))"
)


def storage_with(**env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("ANCHA_S3_")}
    full.update({"DJANGO_SETTINGS_MODULE": "ancha.settings", **env})
    return subprocess.run([sys.executable, "-c", READ], env=full, cwd=ROOT, capture_output=True, text=True)


def test_media_stays_on_the_local_volume_unless_a_bucket_is_named():
    assert storage_with().stdout.split()[0] == "FileSystemStorage"


def test_a_named_bucket_puts_media_in_private_s3_compatible_storage():
    done = storage_with(ANCHA_S3_BUCKET="ancha-media", ANCHA_S3_ENDPOINT_URL="http://127.0.0.1:9000")
    assert done.stdout.split() == ["S3Storage", "ancha-media", "http://127.0.0.1:9000", "private", "False"], done.stderr


S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "ancha-media", "region_name": "us-east-1", "default_acl": "private",
                    "querystring_auth": True, "file_overwrite": False, "addressing_style": "path"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def bucket(settings, monkeypatch):
    """An S3 API in process (moto): nothing leaves the machine."""
    import moto
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="ancha-media")
        settings.STORAGES = S3
        yield client


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_evidence_filed_in_the_field_is_stored_in_the_bucket_and_read_back(db, bucket, api, li, dispatched):
    client = api(li)
    finding = client.post_json(f"/api/v1/inspections/{dispatched.pk}/findings",
                               {"item_id": item(dispatched, 4).pk, "text": "儿童之家未开放"},
                               **{"Idempotency-Key": str(uuid.uuid4())}).json()
    base = f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence"
    reply = client.post(base, {"file": SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")})
    assert reply.status_code == 201, reply.content
    evidence = Evidence.objects.get()
    stored = bucket.get_object(Bucket="ancha-media", Key=evidence.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == evidence.sha256
    fetched = client.get(f"{base}/{evidence.pk}")
    assert fetched.status_code == 200
    assert b"".join(fetched.streaming_content) == stored
