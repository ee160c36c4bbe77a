{{- define "omniroute.labels" -}}
app.kubernetes.io/part-of: omniroute
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "omniroute.secretName" -}}
{{- if .Values.secrets.existingSecret -}}{{ .Values.secrets.existingSecret }}{{- else -}}{{ .Release.Name }}-secrets{{- end -}}
{{- end -}}

{{- define "omniroute.commonEnv" -}}
- name: NODE_ENV
  value: production
- name: HOST
  value: 0.0.0.0
- name: REDIS_URL
  value: {{ .Values.redisUrl | quote }}
- name: INTERNAL_SIGNING_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "omniroute.secretName" . }}, key: INTERNAL_SIGNING_SECRET } }
- name: JWT_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "omniroute.secretName" . }}, key: JWT_SECRET } }
- name: METRICS_TOKEN
  valueFrom: { secretKeyRef: { name: {{ include "omniroute.secretName" . }}, key: METRICS_TOKEN } }
{{- if .Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otel.endpoint | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .Values.otel.serviceName | quote }}
{{- end }}
{{- end -}}
