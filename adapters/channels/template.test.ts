import { describe, expect, it } from 'vitest';
import { renderMessage, renderTemplate, templateVariables } from './template.js';

describe('renderTemplate', () => {
  it('fills every variable, spaces inside the braces allowed', () => {
    expect(
      renderTemplate('Dear {{ profile.first_name }}, {{journey.name}} v{{journey.version}}', {
        'profile.first_name': 'Li',
        'journey.name': 'offer',
        'journey.version': '2',
      }),
    ).toBe('Dear Li, offer v2');
  });

  it('a missing variable fails the whole message and names every missing one, never a value', () => {
    const render = () =>
      renderTemplate('Dear {{profile.first_name}} {{profile.last_name}}, {{event.amount}} {{profile.last_name}}', { 'profile.first_name': 'Li' });
    expect(render).toThrow(expect.objectContaining({ code: 'CHANNEL_VARIABLE_MISSING', details: { variables: ['profile.last_name', 'event.amount'] } }));
    expect(render).toThrow('No value for the template variables profile.last_name, event.amount: nothing was sent');
  });

  it('an inherited property is no value: {{profile.constructor}} is missing, not a function', () => {
    expect(() => renderTemplate('{{profile.constructor}}', {})).toThrow(expect.objectContaining({ code: 'CHANNEL_VARIABLE_MISSING' }));
  });

  it('an empty value is a value', () => {
    expect(renderTemplate('[{{profile.nickname}}]', { 'profile.nickname': '' })).toBe('[]');
  });

  it('a value holding {{ is text: it is never read as a variable', () => {
    expect(renderTemplate('{{profile.a}}{{profile.b}}', { 'profile.a': '{{profile.b', 'profile.b': '}}' })).toBe('{{profile.b}}');
    expect(renderTemplate('Hi {{profile.a}}', { 'profile.a': '{{profile.secret}}', 'profile.secret': 'no' })).toBe('Hi {{profile.secret}}');
  });

  it('HTML escaping applies to values only; the template is the operator markup', () => {
    expect(renderTemplate('<b>{{profile.a}}</b>', { 'profile.a': `<script>alert("x")</script> & 'y'` }, { html: true })).toBe(
      '<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</b>',
    );
    expect(renderTemplate('<b>{{profile.a}}</b>', { 'profile.a': '<i>' })).toBe('<b><i></b>');
  });

  it('a malformed template is refused with where it breaks', () => {
    expect(() => renderTemplate('Hi {{profile.a', { 'profile.a': 'x' })).toThrow(
      expect.objectContaining({ code: 'CHANNEL_TEMPLATE_INVALID', message: expect.stringContaining('{{ at character 4 is never closed') }),
    );
    expect(() => renderTemplate('Hi }}', {})).toThrow(expect.objectContaining({ code: 'CHANNEL_TEMPLATE_INVALID' }));
    expect(() => renderTemplate('Hi {{customer.phone}}', {})).toThrow(expect.objectContaining({ code: 'CHANNEL_TEMPLATE_INVALID' }));
  });

  it('templateVariables lists the variables in order, as journey validation reads them', () => {
    expect(templateVariables('{{ event.x }} and {{profile.y}}')).toEqual({
      variables: [
        { source: 'event', name: 'x', text: 'event.x' },
        { source: 'profile', name: 'y', text: 'profile.y' },
      ],
    });
  });
});

describe('renderMessage', () => {
  const input = {
    key: 'j1.v1.na.e1',
    to: 'li@example.com',
    template: { subject: 'For {{profile.a}}', body: 'Hi {{profile.a}}' },
    variables: { 'profile.a': 'A&B' },
  };

  it('an e-mail gets an escaped HTML body beside the text', () => {
    expect(renderMessage(input, 'email')).toEqual({
      key: 'j1.v1.na.e1',
      to: 'li@example.com',
      subject: 'For A&B',
      text: 'Hi A&B',
      html: 'Hi A&amp;B',
      variables: { 'profile.a': 'A&B' },
    });
  });

  it('other channels get text only; a missing variable in the subject fails too', () => {
    expect(renderMessage(input, 'sms')).not.toHaveProperty('html');
    expect(() => renderMessage({ ...input, template: { subject: '{{profile.b}}', body: 'x' } }, 'push')).toThrow(
      expect.objectContaining({ code: 'CHANNEL_VARIABLE_MISSING' }),
    );
  });
});
