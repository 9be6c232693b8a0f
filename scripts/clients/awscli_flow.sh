#!/usr/bin/env bash
# The streaming-distribution lifecycle as an AWS CLI user drives it, against
# a streamfront server at $STREAMFRONT_ENDPOINT started with a short
# --deploy-delay (internal/api's clients_test.go does that). Uses Debian's
# /usr/bin/aws unless $AWS_CLI names another. Exits non-zero on the first
# check that fails.
set -euo pipefail

: "${STREAMFRONT_ENDPOINT:?set STREAMFRONT_ENDPOINT}"
AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
RUN="${STREAMFRONT_RUN:-cli}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
unset AWS_PROFILE

cf() { "$AWS_CLI" --endpoint-url "$STREAMFRONT_ENDPOINT" cloudfront "$@"; }
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# config REF [ENABLED [COMMENT [ALIAS]]] prints a StreamingDistributionConfig
# with every member, in the seed's request shape.
config() {
	local ref=$1 enabled=${2:-true} comment=${3:-created by the AWS CLI} alias=${4:-$1.example.com}
	cat <<EOF
{"CallerReference": "$ref",
 "S3Origin": {"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": ""},
 "Aliases": {"Quantity": 1, "Items": ["$alias"]},
 "Comment": "$comment",
 "Logging": {"Enabled": true, "Bucket": "logs.s3.amazonaws.com", "Prefix": "rtmp/"},
 "TrustedSigners": {"Enabled": false, "Quantity": 0},
 "PriceClass": "PriceClass_200",
 "Enabled": $enabled}
EOF
}

# expect_error CODE aws-cloudfront-args... checks the command fails with CODE.
expect_error() {
	local code=$1 err
	shift
	if err=$(cf "$@" 2>&1 >/dev/null); then
		fail "cloudfront $1 succeeded, want $code"
	fi
	[[ $err == *"An error occurred ($code)"* ]] || fail "cloudfront $1: want $code, got: $err"
	ok "$1 answers $code"
}

wait_deployed() {
	# The CLI's waiter polls every 60 s (waiters-2.json) and has no flag to
	# shorten that, so poll with get-streaming-distribution first, then let
	# `aws cloudfront wait` confirm with its own acceptor.
	local id=$1 status
	for _ in $(seq 100); do
		status=$(cf get-streaming-distribution --id "$id" --query StreamingDistribution.Status --output text)
		[[ $status == Deployed ]] && break
		sleep 0.1
	done
	cf wait streaming-distribution-deployed --id "$id"
	ok "wait streaming-distribution-deployed: $id is Deployed"
}

# Create.
out=$(cf create-streaming-distribution --streaming-distribution-config "$(config "$RUN-main")" \
	--query '[StreamingDistribution.Id, ETag, StreamingDistribution.Status, Location, StreamingDistribution.StreamingDistributionConfig.PriceClass]' --output text)
read -r id etag status location price <<<"$out"
[[ $status == InProgress ]] || fail "status after create: $status"
[[ $location == "$STREAMFRONT_ENDPOINT/2020-05-31/streaming-distribution/$id" ]] || fail "Location $location"
[[ $price == PriceClass_200 ]] || fail "PriceClass $price"
ok "create-streaming-distribution $id (InProgress, Location, ETag $etag)"

# Get and get-config.
got=$(cf get-streaming-distribution --id "$id" --query '[ETag, StreamingDistribution.StreamingDistributionConfig.Aliases.Items[0]]' --output text)
[[ $got == "$etag	$RUN-main.example.com" ]] || fail "get-streaming-distribution: $got"
ok "get-streaming-distribution"
got=$(cf get-streaming-distribution-config --id "$id" --query '[ETag, StreamingDistributionConfig.Logging.Bucket]' --output text)
[[ $got == "$etag	logs.s3.amazonaws.com" ]] || fail "get-streaming-distribution-config: $got"
ok "get-streaming-distribution-config"

# List: the CLI paginates by itself; --page-size forces several pages.
for i in 1 2 3 4 5; do
	cf create-streaming-distribution --streaming-distribution-config "$(config "$RUN-page-$i" false)" >/dev/null
done
# (--query would apply to each page, so count the merged JSON instead.)
count() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len({i["Id"] for i in d["StreamingDistributionList"]["Items"]}), "NextToken" in d)'; }
got=$(cf list-streaming-distributions --page-size 2 --output json | count)
[[ $got == "6 False" ]] || fail "list-streaming-distributions --page-size 2: $got, want 6 distinct, no NextToken"
got=$(cf list-streaming-distributions --max-items 4 --output json | count)
[[ $got == "4 True" ]] || fail "list-streaming-distributions --max-items 4: $got, want 4 and a NextToken"
ok "list-streaming-distributions walks every page"

# Errors.
expect_error NoSuchStreamingDistribution get-streaming-distribution --id ENOSUCHDIST123
expect_error StreamingDistributionAlreadyExists create-streaming-distribution \
	--streaming-distribution-config "$(config "$RUN-main" true "same CallerReference, other config" "elsewhere.example.com")"
expect_error CNAMEAlreadyExists create-streaming-distribution \
	--streaming-distribution-config "$(config "$RUN-other" true "x" "${RUN^^}-MAIN.EXAMPLE.COM")"
expect_error InvalidOrigin create-streaming-distribution --streaming-distribution-config \
	"$(config "$RUN-origin" | sed 's/media.s3.amazonaws.com/www.example.com/')"
expect_error InconsistentQuantities create-streaming-distribution --streaming-distribution-config \
	"$(config "$RUN-qty" | sed 's/"Quantity": 1/"Quantity": 3/')"
expect_error InvalidIfMatchVersion update-streaming-distribution --id "$id" --streaming-distribution-config "$(config "$RUN-main")"
expect_error PreconditionFailed update-streaming-distribution --id "$id" --if-match ESTALEETAG1234 \
	--streaming-distribution-config "$(config "$RUN-main")"
expect_error IllegalUpdate update-streaming-distribution --id "$id" --if-match "$etag" \
	--streaming-distribution-config "$(config "$RUN-renamed")"
expect_error StreamingDistributionNotDisabled delete-streaming-distribution --id "$id" --if-match "$etag"
[[ $(cf get-streaming-distribution --id "$id" --query ETag --output text) == "$etag" ]] || fail "a refused request changed the distribution"
ok "refused requests changed nothing"

# Update, disable, wait, delete.
etag2=$(cf update-streaming-distribution --id "$id" --if-match "$etag" \
	--streaming-distribution-config "$(config "$RUN-main" true "updated by the AWS CLI")" --query ETag --output text)
[[ $etag2 != "$etag" ]] || fail "update kept the ETag"
comment=$(cf get-streaming-distribution-config --id "$id" --query StreamingDistributionConfig.Comment --output text)
[[ $comment == "updated by the AWS CLI" ]] || fail "comment after update: $comment"
ok "update-streaming-distribution (new ETag $etag2)"
etag3=$(cf update-streaming-distribution --id "$id" --if-match "$etag2" \
	--streaming-distribution-config "$(config "$RUN-main" false "disabled")" --query ETag --output text)
wait_deployed "$id"
cf delete-streaming-distribution --id "$id" --if-match "$etag3"
expect_error NoSuchStreamingDistribution get-streaming-distribution-config --id "$id"
ok "delete-streaming-distribution"

echo "AWS CLI flow: all checks passed"
