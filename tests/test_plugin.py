"""The pytest plugin as a project meets it: a suite written for moto runs on the default mode and the session summary
names what real ECR would refuse; ``ecr_mock_strict = true`` makes every mock strict; the marker overrides it.
Each scenario is a pytest run of its own, in a subprocess (the plugin's settings are process-wide)."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

MOTO_ERA_SUITE = '''
import json
import boto3
from ecr_mock import mock_ecr

FAKE_DIGEST = "sha256:" + "0123456789abcdef" * 4


def manifest():
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})


@mock_ecr
def test_push_with_a_made_up_digest_then_use_it():
    ecr = boto3.client("ecr", region_name="us-east-1")
    ecr.create_repository(repositoryName="helper")
    ecr.put_image(repositoryName="helper", imageManifest=manifest(), imageTag="v1", imageDigest=FAKE_DIGEST)
    found = ecr.describe_images(repositoryName="helper", imageIds=[{"imageDigest": FAKE_DIGEST}])
    assert found["imageDetails"][0]["imageTags"] == ["v1"]
    ecr.batch_delete_image(repositoryName="helper", imageIds=[{"imageDigest": FAKE_DIGEST}])
'''

MODES = '''
import boto3
import pytest
from ecr_mock import mock_ecr
from ecr_mock._activation import state


def strict_now():
    return state.current().behaviour.strict


@mock_ecr
def test_decorator():
    assert strict_now() is {expected}


def test_context_manager():
    with mock_ecr() as mock:
        assert mock.strict is {expected}
        assert mock.account_id == "{account}"


def test_fixture(ecr_mock):
    assert ecr_mock.strict is {expected}


@pytest.mark.ecr_mock(strict=False, account_id="999988887777")
def test_marker_overrides_for_the_fixture(ecr_mock):
    assert (ecr_mock.strict, ecr_mock.account_id) == (False, "999988887777")


def test_an_explicit_argument_wins():
    assert mock_ecr(strict=True).strict is True
    assert mock_ecr(strict=False).strict is False
'''


def test_a_moto_era_suite_passes_in_default_mode_and_the_summary_names_the_leniency(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_moto_era=MOTO_ERA_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*ecr_mock: default-mode leniency*",
            "1 call relied on default-mode leniency that real ECR refuses; run with strict mode to find them*",
            "  image_digest_mismatch: 1 call, e.g. PutImage: imageDigest 'sha256:0123456789abcdef*",
        ]
    )


def test_the_same_suite_fails_in_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_moto_era=MOTO_ERA_SUITE)
    pytester.makeini("[pytest]\necr_mock_strict = true\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ImageDigestDoesNotMatchException*"])
    result.stdout.no_fnmatch_line("*default-mode leniency*")


def test_the_ini_option_makes_every_mock_strict_and_the_marker_overrides_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_modes=MODES.format(expected=True, account="111122223333"))
    pytester.makeini("[pytest]\necr_mock_strict = true\necr_mock_account_id = 111122223333\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_without_the_ini_option_mocks_are_seed_compatible(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_modes=MODES.format(expected=False, account="012345678910"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_a_module_marker_configures_every_fixture_of_the_module(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_module_marker="""
import pytest

pytestmark = pytest.mark.ecr_mock(strict=True, durations={"scan": 30})


def test_one(ecr_mock):
    assert ecr_mock.strict is True
    assert ecr_mock.durations.scan.total_seconds() == 30
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=1)


def test_a_bad_account_id_in_the_ini_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    pytester.makeini("[pytest]\necr_mock_account_id = 123\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*ecr_mock_account_id must be a 12-digit AWS account id, got '123'*"])
