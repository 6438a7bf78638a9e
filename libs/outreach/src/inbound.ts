/** The Message-IDs an inbound email answers: In-Reply-To first, then References newest first. */
export function referencedMessageIds(inReplyTo: string | null | undefined, references: readonly string[] | null | undefined): string[] {
  const ids: string[] = [];
  const collect = (text: string) => {
    const bracketed = text.match(/<[^<>\s]+>/g);
    const found =
      bracketed ??
      text
        .split(/[\s,]+/)
        .filter((t) => t.includes('@'))
        .map((t) => `<${t}>`);
    for (const id of found) if (!ids.includes(id)) ids.push(id);
  };
  if (inReplyTo) collect(inReplyTo);
  for (const ref of [...(references ?? [])].reverse()) collect(ref);
  return ids;
}

const AUTO_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response)|out of (the )?office|ooo\b|away from (the )?office|on (vacation|holiday|leave)|autoreply|自动回复|自動回覆|不在办公室)|^auto:/i;

/**
 * RFC 3834 and the de-facto headers of Exchange, Gmail and common responders: an automatic answer
 * (out-of-office, vacation, ticket bots) is not a reply from the person.
 */
export function isAutoReply(headers: Record<string, string> | null | undefined, subject: string | null | undefined): boolean {
  const h = new Map(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v).trim().toLowerCase()]));
  const autoSubmitted = h.get('auto-submitted');
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (
    h.has('x-autoreply') ||
    h.has('x-autorespond') ||
    (h.has('x-auto-response-suppress') && /\b(oof|autoreply|all)\b/.test(h.get('x-auto-response-suppress')!))
  )
    return true;
  if (['auto_reply', 'bulk', 'junk', 'list'].includes(h.get('precedence') ?? '')) return true;
  if (h.get('x-ms-exchange-generated-message-source')?.includes('mailbox rules') || h.has('x-ms-exchange-inbox-rules-loop')) return true;
  return AUTO_SUBJECT.test((subject ?? '').trim());
}
