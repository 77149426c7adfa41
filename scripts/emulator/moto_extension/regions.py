"""A faster start: moto's EC2 models list the Regions of three partitions when imported, each with a
new boto3 Session, and each Session parses botocore's endpoint data again: 0.6 s of the 2.3 s of
CPU an emulator took to start. Here one botocore session answers all three, with the same data
and so the same answer. Imported before anything imports moto (__init__.py).
"""
import boto3.session
import botocore.session

_shared = botocore.session.get_session()


def _available_regions(self, service_name, partition_name="aws", allow_non_regional=False):
    return _shared.get_available_regions(service_name, partition_name, allow_non_regional)


def install() -> None:
    boto3.session.Session.get_available_regions = _available_regions
