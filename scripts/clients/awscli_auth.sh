#!/usr/bin/env bash
# Secure-mode flow through the AWS CLI (Debian's /usr/bin/aws): tags, signer
# errors and refused credentials, with access keys from an accounts file.
# Environment as for boto3_auth.py. Exits non-zero on the first failed check.
set -euo pipefail
AWS=/usr/bin/aws
export AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
passed=0

as() { # as KEY SECRET aws-args... : run the CLI with those credentials
	local key=$1 secret=$2; shift 2
	AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret $AWS --endpoint-url "$STREAMFRONT_ENDPOINT" --output json cloudfront "$@"
}
check() { # check DESCRIPTION CONDITION-COMMAND...
	local what=$1; shift
	if ! "$@"; then echo "FAIL: $what"; exit 1; fi
	passed=$((passed + 1))
}
expect_error() { # expect_error CODE KEY SECRET aws-args...
	local code=$1; shift
	local err
	if err=$(as "$@" 2>&1 >/dev/null); then echo "FAIL: want $code, call succeeded"; exit 1; fi
	check "want $code, got: $err" grep -q "($code)" <<<"$err"
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

config() { # config REF SIGNERS-JSON-LIST
	local n
	n=$(json "len(d)" <<<"$2")
	local enabled=false; [ "$n" -gt 0 ] && enabled=true
	echo "{\"CallerReference\":\"$1\",\"S3Origin\":{\"DomainName\":\"media.s3.amazonaws.com\",\"OriginAccessIdentity\":\"\"},\"Comment\":\"cli auth flow\",\"TrustedSigners\":{\"Enabled\":$enabled,\"Quantity\":$n,\"Items\":$2},\"Enabled\":true}"
}

# Create with tags, list tags, untag.
out=$(as "$KEY_A" "$SECRET_A" create-streaming-distribution-with-tags --streaming-distribution-config-with-tags \
	"{\"StreamingDistributionConfig\":$(config cli-tagged '[]'),\"Tags\":{\"Items\":[{\"Key\":\"team\",\"Value\":\"video\"},{\"Key\":\"env\",\"Value\":\"prod\"}]}}")
arn=$(json "d['StreamingDistribution']['ARN']" <<<"$out")
id=$(json "d['StreamingDistribution']['Id']" <<<"$out")
check "ARN $arn names account A" test "$arn" = "arn:aws:cloudfront::$ACCOUNT_A:streaming-distribution/$id"
tags=$(as "$KEY_A" "$SECRET_A" list-tags-for-resource --resource "$arn" | json "sorted((t['Key'], t['Value']) for t in d['Tags']['Items'])")
check "tags after create: $tags" test "$tags" = "[('env', 'prod'), ('team', 'video')]"
as "$KEY_A" "$SECRET_A" untag-resource --resource "$arn" --tag-keys Items=env
tags=$(as "$KEY_A" "$SECRET_A" list-tags-for-resource --resource "$arn" | json "[t['Key'] for t in d['Tags']['Items']]")
check "tags after untag: $tags" test "$tags" = "['team']"
expect_error InvalidTagging "$KEY_A" "$SECRET_A" tag-resource --resource "$arn" --tags 'Items=[{Key=aws:reserved,Value=x}]'

# Trusted signers.
expect_error TrustedSignerDoesNotExist "$KEY_A" "$SECRET_A" create-streaming-distribution \
	--streaming-distribution-config "$(config cli-unknown-signer '["999999999999"]')"
out=$(as "$KEY_A" "$SECRET_A" create-streaming-distribution --streaming-distribution-config "$(config cli-signers "[\"self\",\"$ACCOUNT_B\"]")")
check "ActiveTrustedSigners has 2 signers" test "$(json "d['StreamingDistribution']['ActiveTrustedSigners']['Quantity']" <<<"$out")" = 2

# Isolation and permissions.
expect_error NoSuchStreamingDistribution "$KEY_B" "$SECRET_B" get-streaming-distribution --id "$id"
expect_error AccessDenied "$KEY_B" "$SECRET_B" list-tags-for-resource --resource "$arn"
check "read-only key lists" test "$(as "$KEY_RO" "$SECRET_RO" list-streaming-distributions --no-paginate | json "d['StreamingDistributionList']['Quantity']")" = 2
expect_error AccessDenied "$KEY_RO" "$SECRET_RO" create-streaming-distribution --streaming-distribution-config "$(config cli-ro '[]')"

# Refused credentials change nothing.
expect_error SignatureDoesNotMatch "$KEY_A" wrong-secret-wrong-secret create-streaming-distribution \
	--streaming-distribution-config "$(config cli-wrong-secret '[]')"
expect_error InvalidClientTokenId AKIANOTAKEYNOTAKEY00 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx list-streaming-distributions
check "refused calls changed nothing" test "$(as "$KEY_A" "$SECRET_A" list-streaming-distributions --no-paginate | json "d['StreamingDistributionList']['Quantity']")" = 2

echo "awscli_auth: $passed passed, 0 failed"
