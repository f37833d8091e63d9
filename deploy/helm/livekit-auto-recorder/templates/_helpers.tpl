{{/* The objects' name: the release's, as the Kustomize manifests name theirs. */}}
{{- define "recorder.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "recorder.secret" -}}
{{- default (include "recorder.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* The selector: labels that never change for the life of the Deployment. */}}
{{- define "recorder.selector" -}}
app.kubernetes.io/name: livekit-auto-recorder
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "recorder.labels" -}}
{{ include "recorder.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: recorder
app.kubernetes.io/part-of: livekit
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Several replicas need Redis; they keep no ledger file (one claim cannot serve them). */}}
{{- define "recorder.ha" -}}
{{- if gt (int .Values.replicaCount) 1 -}}
{{- if not .Values.redis.address -}}
{{- fail "replicaCount > 1 needs redis.address: without Redis, replicas that get the same webhook record a room twice (docs/scaling.md)" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{- define "recorder.claim" -}}
{{- if and .Values.ledger.persistence.enabled (not (include "recorder.ha" .)) -}}true{{- end -}}
{{- end -}}
