"""S3's bucket owner condition, which moto ignores: a request whose x-amz-expected-bucket-owner
names another account than the bucket's fails with 403 Access Denied ("If the actual bucket owner
doesn't match the expected bucket owner, the request fails", S3 User Guide, "Verifying bucket
ownership with bucket owner condition"; the header's description in each operation of the S3 API
reference). deploy names its caller's account on every call on its template bucket
(scripts/cli/template-bucket.ts); without this, another account's bucket of deploy's name would
be used on the emulator instead of refused.

A bucket that does not exist has no owner to compare, so those requests go on to moto (CreateBucket
takes no bucket owner condition: same page, "Restrictions and limitations").
"""
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response


def _checking_owner(original):
    def handler(self, request, full_url):
        expected = request.headers.get("x-amz-expected-bucket-owner")
        # (partition, account) of the bucket, for every account moto holds.
        owner = s3_backends.bucket_accounts.get(self.parse_bucket_name_from_url(request, full_url))
        if expected and owner and owner[1] != expected:
            # HeadBucket answers with its status alone (S3 API reference, HeadBucket).
            if request.method == "HEAD":
                return 403, {}, ""
            raise S3AccessDeniedError()
        return original(self, request, full_url)

    return handler


def install() -> None:
    S3Response._bucket_response = _checking_owner(S3Response._bucket_response)
    S3Response._key_response = _checking_owner(S3Response._key_response)
