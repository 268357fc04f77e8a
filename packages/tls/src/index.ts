export { createAgentCa, createAgentCert, certificateName, type CaOptions, type CertOptions, type CertRole, type PemPair } from './agent-certificates.js';
export { createCertificate, issuerOf, subjectKeyId, toPem, KeyUsage, ExtKeyUsage, type CertificateTemplate, type DistinguishedName, type Issuer } from './x509-certificate.js';
