#!/bin/sh
# One-shot job: the namespace and the custom search attributes operators filter on in Temporal UI.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
temporal operator namespace describe -n "$ns" >/dev/null 2>&1 || temporal operator namespace create -n "$ns"
for attr in SubscriptionStatus=Keyword CustomerUid=Keyword NextChargeAt=Datetime PlanAmount=Int; do
  name="${attr%%=*}"
  type="${attr#*=}"
  temporal operator search-attribute create -n "$ns" --name "$name" --type "$type" 2>/dev/null ||
    echo "search attribute $name exists"
done
echo "namespace $ns ready"
