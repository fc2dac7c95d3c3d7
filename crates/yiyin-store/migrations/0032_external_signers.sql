-- Seals whose signatures a county's own qualified e-seal system makes (外部签章系统, the key in its
-- cryptographic module): the address of its signing interface (NULL: Yiyin signs with its own key),
-- and the documents waiting for such a seal — the seal that is to sign them, the latest reason it
-- could not yet (in Chinese, shown to staff), and the signed OFD kept in the blob store.
ALTER TABLE seals ADD COLUMN signer_url TEXT;
ALTER TABLE documents ADD COLUMN seal_pending BIGINT;
ALTER TABLE documents ADD COLUMN seal_problem TEXT;
ALTER TABLE documents ADD COLUMN ofd_digest TEXT;
CREATE INDEX documents_by_seal_pending ON documents (seal_pending);
