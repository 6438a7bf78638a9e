import { classifySmtpError } from './mailer';

describe('SMTP failure classification', () => {
  it('treats a 5xx to RCPT TO as a bounce of the address', () => {
    const e = classifySmtpError(
      Object.assign(new Error('Recipient command failed'), { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 no such user' }),
    );
    expect(e).toMatchObject({ transient: false, recipientRejected: true, response: '550 5.1.1 no such user' });
  });

  it('treats a 5xx elsewhere as a permanent failure that does not blame the address', () => {
    const e = classifySmtpError(
      Object.assign(new Error('Message failed'), { code: 'EMESSAGE', responseCode: 554, command: 'DATA', response: '554 5.7.1 rejected by policy' }),
    );
    expect(e).toMatchObject({ transient: false, recipientRejected: false });
  });

  it('retries 4xx replies, timeouts and dropped connections', () => {
    expect(classifySmtpError(Object.assign(new Error('try later'), { responseCode: 451, command: 'DATA' })).transient).toBe(true);
    expect(classifySmtpError(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' })).transient).toBe(true);
    expect(classifySmtpError(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' })).transient).toBe(true);
  });
});
