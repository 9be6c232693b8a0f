#!/usr/bin/env bash
# The Resource Groups Tagging API through the AWS CLI (Debian's /usr/bin/aws,
# v1): GetResources with type and tag filters and pages, TagResources with a
# failed ARN, UntagResources, GetTagKeys, GetTagValues, and a refused key.
# Environment as for boto3_auth.py. Exits non-zero on the first failed check.
set -euo pipefail
AWS=/usr/bin/aws
export AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
passed=0
as() { # as KEY SECRET SERVICE aws-args...
	local key=$1 secret=$2 svc=$3; shift 3
	AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret $AWS --endpoint-url "$STREAMFRONT_ENDPOINT" --output json "$svc" "$@"
}
check() { local what=$1; shift; if ! "$@"; then echo "FAIL: $what"; exit 1; fi; passed=$((passed + 1)); }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
tagging() { as "$KEY_A" "$SECRET_A" resourcegroupstaggingapi "$@"; }

config='{"CallerReference":"REF","S3Origin":{"DomainName":"media.s3.amazonaws.com","OriginAccessIdentity":""},"Comment":"cli tagging","TrustedSigners":{"Enabled":false,"Quantity":0},"Enabled":true}'
arns=()
for i in 0 1 2; do
	out=$(as "$KEY_A" "$SECRET_A" cloudfront create-streaming-distribution-with-tags --streaming-distribution-config-with-tags \
		"{\"StreamingDistributionConfig\":${config/REF/cli-tag-$i},\"Tags\":{\"Items\":[{\"Key\":\"team\",\"Value\":\"t$((i % 2))\"}]}}")
	arns+=("$(json "d['StreamingDistribution']['ARN']" <<<"$out")")
done

n=$(tagging get-resources --resource-type-filters cloudfront:streaming-distribution | json "len(d['ResourceTagMappingList'])")
check "get-resources by type lists 3, got $n" test "$n" = 3
got=$(tagging get-resources --tag-filters Key=team,Values=t1 | json "[m['ResourceARN'] for m in d['ResourceTagMappingList']]")
check "team=t1 is ${arns[1]}, got $got" test "$got" = "['${arns[1]}']"
# The CLI follows PaginationToken itself (--page-size sets ResourcesPerPage): pages of 1 still give all 3.
n=$(tagging get-resources --page-size 1 | json "len(d['ResourceTagMappingList'])")
check "paged get-resources lists 3, got $n" test "$n" = 3

foreign="arn:aws:cloudfront::$ACCOUNT_B:streaming-distribution/EOTHER"
failed=$(tagging tag-resources --resource-arn-list "${arns[0]}" "$foreign" --tags env=prod | json "sorted(d['FailedResourcesMap'])")
check "only B's ARN failed, got $failed" test "$failed" = "['$foreign']"
v=$(as "$KEY_A" "$SECRET_A" cloudfront list-tags-for-resource --resource "${arns[0]}" | json "sorted((t['Key'], t['Value']) for t in d['Tags']['Items'])")
check "CloudFront sees the tag, got $v" test "$v" = "[('env', 'prod'), ('team', 't0')]"
check "get-tag-keys" test "$(tagging get-tag-keys | json "d['TagKeys']")" = "['env', 'team']"
check "get-tag-values" test "$(tagging get-tag-values --key team | json "d['TagValues']")" = "['t0', 't1']"
tagging untag-resources --resource-arn-list "${arns[0]}" --tag-keys env >/dev/null
check "untagged" test "$(tagging get-tag-keys | json "d['TagKeys']")" = "['team']"

if err=$(as "$KEY_RO" "$SECRET_RO" resourcegroupstaggingapi get-tag-keys 2>&1 >/dev/null); then echo "FAIL: read-only key listed tag keys"; exit 1; fi
check "read-only key refused: $err" grep -q "(AccessDeniedException)" <<<"$err"
if err=$(tagging get-resources --resources-per-page 500 2>&1 >/dev/null); then echo "FAIL: 500 per page accepted"; exit 1; fi
check "bad page size refused: $err" grep -q "(InvalidParameterException)" <<<"$err"
echo "awscli tagging: $passed checks passed"
